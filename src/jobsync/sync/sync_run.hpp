// One `sync`: migrations, then the round (shared with the other `sync`s of
// the database): the units of work it claims on one flat pool of
// sync.concurrency threads (each with its own connection and curl handle),
// then the run record.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/sync/partition_outcome.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace jobsync {

struct SyncOptions {
    long wait_lock_seconds = -1; // --wait-lock
    int concurrency = 1;
};

struct PartitionReport {
    std::string label; // bucket/tag/queue
    std::string bucket, tag, queue_id;
    PartitionOutcome outcome;
};

struct SyncSummary {
    long long round_id = 0;               // the round this run joined (sync_rounds)
    std::vector<PartitionReport> reports; // one per partition this run walked or skipped
    int partitions = 0;
    int failed = 0;
    int skipped = 0;
    bool interrupted = false;
    PartitionStats totals;
    double duration_seconds = 0;
};

// Runs one incremental pass. Throws RunError when the database is unusable.
SyncSummary run_sync(const Config& config, const SyncOptions& options,
                     const std::atomic<bool>* stop_flag);

} // namespace jobsync
