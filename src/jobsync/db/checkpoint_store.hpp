// The sync_checkpoints row of a partition: its cursor and its last outcome
// (the walk in progress is a plan, plan_store), and the partition's lock.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/domain/partition.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <optional>
#include <string>

namespace jobsync {

namespace checkpoint_store {

// Creates the row if missing (committed at once, so locks and status see it).
void ensure_row(pqxx::connection& conn, const Partition& partition);

// The partition's cursor: everything created before it has been walked.
std::optional<UnixSeconds> load_cursor(pqxx::transaction_base& txn, const Partition& partition);

// A failed or interrupted walk keeps its cursor and walk state; only the
// outcome (last_status = status, last_error = error sanitized: valid UTF-8,
// one line, at most 4 KB) is written.
void record_outcome(pqxx::connection& conn, const Partition& partition, const std::string& status,
                    const std::string& error);

// Unfinished jobs older than the horizon: reported as stale, not refreshed.
long count_stale_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                            UnixSeconds horizon_start);

} // namespace checkpoint_store

// A session-level advisory lock on a partition, held while it is walked, so
// two processes never walk the same partition at once.
class PartitionLock {
public:
    PartitionLock(pqxx::connection& conn, const std::string& schema, const Partition& partition);
    ~PartitionLock();
    PartitionLock(const PartitionLock&) = delete;
    PartitionLock& operator=(const PartitionLock&) = delete;

    bool try_acquire();
    // Waits up to `seconds` for the lock; returns false if it is still held
    // or *stop_flag was set meanwhile.
    bool acquire_within(long seconds, const std::atomic<bool>* stop_flag = nullptr);

private:
    pqxx::connection& conn_;
    std::string key_;
    bool held_ = false;
};

} // namespace jobsync
