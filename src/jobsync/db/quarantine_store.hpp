// The quarantine table: jobs that could not be stored, kept with their exact
// bytes so that one bad job never blocks its partition.
#pragma once

#include "jobsync/domain/partition.hpp"

#include <pqxx/pqxx>

#include <string>
#include <string_view>

namespace jobsync {
namespace quarantine_store {

// Records (or, seen again, refreshes) a job of partition that could not be
// stored: raw is its JobsDetail as received, error why it failed. The job
// id may be any bytes, passed exactly as received: the key is their SHA-256
// (of raw when the id is empty), the same in every run and what release()
// computes for the id arriving clean. The readable job_id column holds the
// id sanitized and cut to 256 bytes, followed by " sha256:<hex of the key>"
// when that changed it.
void add(pqxx::transaction_base& txn, const Partition& partition, std::string_view job_id,
         std::string_view raw, const std::string& error);

// Drops the rows of jobs now stored (or known) cleanly; job_ids is a text[]
// literal (to_text_array_literal).
void release(pqxx::transaction_base& txn, const std::string& bucket, const std::string& job_ids);

// All jobs in quarantine now, whatever their partition.
long count_all(pqxx::transaction_base& txn);

} // namespace quarantine_store
} // namespace jobsync
