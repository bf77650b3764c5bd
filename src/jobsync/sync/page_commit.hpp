// What every walk does with a page inside its transaction, whatever
// checkpoint it moves (a partition's or a slice's), and the figures it adds
// once that transaction has committed.
#pragma once

#include "jobsync/db/job_store.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/partition_outcome.hpp"

#include <pqxx/pqxx>

namespace jobsync {

// Logs the page's field warnings, writes its jobs and records its drift, in txn.
PageWriteResult write_walked_page(pqxx::work& txn, JobStore& store, const Partition& partition,
                                  const JobsPage& page);

// What the job store did, into the figures: pages and by-id batches alike.
void add_written(PartitionStats& stats, const PageWriteResult& written);

// A committed page into the figures (its jobs, warnings and what was written).
void count_committed_page(PartitionStats& stats, const JobsPage& page,
                          const PageWriteResult& written);

} // namespace jobsync
