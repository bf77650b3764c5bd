// The sync_checkpoints row of a partition: its cursor and the walk in
// progress, always written in the same transaction as the page it follows.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/partition.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <optional>
#include <string>

namespace jobsync {

struct Checkpoint {
    std::optional<UnixSeconds> cursor; // everything created before it has been walked
    // The walk in progress, if any (walk_window_end set).
    std::optional<UnixSeconds> window_start, window_end;
    std::string next_token;
    std::optional<UnixSeconds> token_issued_at;
    std::optional<UnixSeconds> last_creation_time;
    long pages = 0;
    long jobs = 0;

    bool walk_in_progress() const { return window_end.has_value(); }
};

namespace checkpoint_store {

// Creates the row if missing (committed at once, so locks and status see it).
void ensure_row(pqxx::connection& conn, const Partition& partition);

Checkpoint load(pqxx::transaction_base& txn, const Partition& partition);

// Starts a walk over (start, end): frozen until the walk completes.
void begin_walk(pqxx::transaction_base& txn, const Partition& partition,
                std::optional<UnixSeconds> start, UnixSeconds end);

// After a page: the token to continue from, and the newest creation time committed.
void record_page(pqxx::transaction_base& txn, const Partition& partition,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page);

// Restarts the walk without a token from `start` (used when a stored token is
// rejected or too old): never from the token, never skipping ahead.
void restart_walk(pqxx::transaction_base& txn, const Partition& partition,
                  std::optional<UnixSeconds> start);

// The walk is done: cursor = window end, walk cleared, status ok.
void complete_walk(pqxx::transaction_base& txn, const Partition& partition);

// A failed or interrupted walk keeps its cursor and walk state; only the
// outcome (last_status = status, last_error = error sanitized: valid UTF-8,
// one line, at most 4 KB) is written.
void record_outcome(pqxx::connection& conn, const Partition& partition, const std::string& status,
                    const std::string& error);

// Creation time of the oldest unfinished job (Submitted, Running, Pause) of
// the partition created at or after horizon_start.
std::optional<UnixSeconds> oldest_unfinished(pqxx::transaction_base& txn,
                                             const Partition& partition, UnixSeconds horizon_start);

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
    bool held() const { return held_; }

private:
    pqxx::connection& conn_;
    std::string key_;
    bool held_ = false;
};

} // namespace jobsync
