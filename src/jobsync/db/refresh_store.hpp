// What refreshing a partition's older unfinished jobs reads and writes:
// the candidates, the cost of re-walking to them, vanished jobs, and the
// per-partition figures `status` shows.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/domain/partition.hpp"
#include "jobsync/domain/refresh_mode.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync::refresh_store {

// Unfinished jobs (any non-terminal state, not vanished) of the partition
// created in [horizon_start, until]: the ones a walk starting at `until` misses.
struct OlderUnfinished {
    long count = 0;
    std::optional<UnixSeconds> oldest;
};
OlderUnfinished older_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                                 UnixSeconds horizon_start, UnixSeconds until);

// Stored jobs of the partition created in [from, until]: what a re-walk
// from `from` reads again, the estimate of its cost in pages.
long jobs_between(pqxx::transaction_base& txn, const Partition& partition, UnixSeconds from,
                  UnixSeconds until);

struct JobToRefresh {
    std::string job_id;
    UnixSeconds creation_time = 0;
};

// Those jobs, oldest first.
std::vector<JobToRefresh> older_unfinished_jobs(pqxx::transaction_base& txn,
                                                const Partition& partition,
                                                UnixSeconds horizon_start, UnixSeconds until);

// How long a NonExistJobIds answer stands before the job is asked for again.
constexpr long kVanishedRecheckSeconds = 3600;

// Vanished unfinished jobs of the partition created since horizon_start whose
// latest NonExistJobIds answer is kVanishedRecheckSeconds old, oldest first.
std::vector<JobToRefresh> vanished_due(pqxx::transaction_base& txn, const Partition& partition,
                                       UnixSeconds horizon_start);

// Records a NonExistJobIds answer: vanish_checked_at on each, and vanished_at
// on jobs not yet marked; returns how many were newly marked.
long mark_vanished(pqxx::transaction_base& txn, const std::vector<std::string>& job_ids);

// When a walk starts: how the older unfinished jobs were refreshed, and why
// not by id ("" => nothing stopped it; stored as NULL).
void record_refresh_mode(pqxx::transaction_base& txn, const Partition& partition, RefreshMode mode,
                         const std::string& note);

// After a walk: records and returns the unfinished jobs inside the horizon.
long record_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                       UnixSeconds horizon_start);

} // namespace jobsync::refresh_store
