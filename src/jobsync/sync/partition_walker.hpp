// Walks one partition: GET /jobs page by page over a frozen creation-time
// window, each page's jobs and the checkpoint committed in one transaction.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/refresh_plan.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <string>

namespace jobsync {

struct PartitionStats {
    long pages = 0;
    long requests = 0;
    long retries = 0;
    long jobs = 0; // jobs received (after in-page de-duplication)
    long inserted = 0;
    long updated = 0;
    long unchanged = 0;
    long refused = 0;
    long duplicates = 0;
    long quarantined = 0;     // jobs put in quarantine instead of stored
    long refreshed_by_id = 0; // older unfinished jobs fetched with GET /jobs/<ids>
    long requests_by_id = 0;  // those requests, retries included
    long vanished = 0;        // jobs newly marked vanished (NonExistJobIds)
    long unfinished = 0;      // unfinished jobs inside refresh_horizon after the walk
    long warnings = 0;
    long stale_unfinished = 0;
    long lag_seconds = -1; // now - cursor after the walk; -1 when unknown
    long slices = 0;       // time slices walked to their end

    PartitionStats& operator+=(const PartitionStats& other);
};

enum class PartitionStatus { ok, failed, skipped, interrupted };
const char* to_string(PartitionStatus status);

struct PartitionOutcome {
    PartitionStatus status = PartitionStatus::ok;
    PartitionStats stats;
    std::string error;
};

struct SliceWorkers;

struct WalkOptions {
    std::string schema;
    long wait_lock_seconds = -1; // -1 => skip a partition another process holds
    // Threads for the slices of a dense window; nullptr => windows are never
    // split (a plan left by another run is dropped when a new walk begins).
    SliceWorkers* slices = nullptr;
};

class PartitionWalker {
public:
    PartitionWalker(DbSession& db, CiClient& client, const SyncConfig& sync, WalkOptions options,
                    const std::atomic<bool>* stop_flag);

    // Never throws for partition-level failures: they are recorded in the
    // checkpoint and returned. A lost connection is replaced and the page
    // redone; serialization failures and deadlocks are retried (db_retry).
    // Throws RunError when the run must stop (the database stays unreachable).
    PartitionOutcome sync(const Partition& partition);

private:
    class PageCommitter; // the walk's PageSink: each page committed with the checkpoint

    // One attempt: takes the lock and walks. Database errors propagate.
    PartitionStatus lock_and_walk(const Partition& partition, PartitionStats& stats);
    PartitionStatus walk(const Partition& partition, PartitionStats& stats);
    void start_or_resume(const Partition& partition, PartitionStats& stats);
    // True when the walk goes by slices: it has a plan, or its fresh window
    // is dense enough for one (made here). Otherwise the probe page was
    // committed as the walk's first.
    bool slice_if_dense(const Partition& partition, PartitionStats& stats);
    // Walks the unfinished slices of the plan; when all are done, moves the
    // cursor and drops the plan in one transaction.
    PartitionStatus walk_planned_slices(const Partition& partition, PartitionStats& stats);
    void prepare_walk(const Partition& partition, PartitionStats& stats);
    // Refreshes the unfinished jobs older than `start`, by re-walking (returns
    // the earlier start) or by id (returns start), and re-checks vanished
    // jobs (id_refresh.hpp); records nothing: `mode` and `note` are for the
    // checkpoint row.
    std::optional<UnixSeconds> refresh_older_unfinished(const Partition& partition,
                                                        UnixSeconds start, RefreshMode& mode,
                                                        std::string& note, PartitionStats& stats);
    // Restarts the walk without a token from `start`.
    void restart_walk(const Partition& partition, std::optional<UnixSeconds> start);
    void commit_page(const Partition& partition, const JobsPage& page, bool last_page,
                     PartitionStats& stats);
    void finish_walk(const Partition& partition, PartitionStats& stats);
    void record_outcome(const Partition& partition, const PartitionOutcome& outcome);
    bool stopping() const { return stop_flag_ != nullptr && stop_flag_->load(); }
    pqxx::connection& conn() { return db_.conn(); }

    DbSession& db_;
    CiClient& client_;
    const SyncConfig& sync_;
    WalkOptions options_;
    const std::atomic<bool>* stop_flag_;
    JobStore store_;
    // The partition's checkpoint as last committed: loaded when a walk
    // starts (after every reconnect) and kept in step with each commit.
    Checkpoint checkpoint_;
};

} // namespace jobsync
