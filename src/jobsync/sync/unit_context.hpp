// What a thread of the pool runs a unit with: its own session and client,
// the run's settings, and who it is in the round.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/unit_store.hpp"
#include "jobsync/sync/partition_outcome.hpp"

#include <atomic>
#include <string>

namespace jobsync {

struct UnitContext {
    DbSession& db;
    CiClient& client;
    const SyncConfig& sync;
    std::string schema;
    long wait_lock_seconds = -1; // --wait-lock; -1 => skip a partition another process holds
    UnitHolder holder;           // this worker in its round
    const std::atomic<bool>* stop_flag = nullptr;

    bool stopping() const { return stop_flag != nullptr && stop_flag->load(); }
};

// How a unit ended.
struct UnitOutcome {
    PartitionStatus status = PartitionStatus::ok;
    PartitionStats stats; // requests and retries included
    std::string error;
    // The unit was taken over (its lease ran out, or its round was closed):
    // this worker's commits were refused, another worker walks it.
    bool lost = false;
    bool closed = false; // its last page closed the plan: the cursor moved
};

} // namespace jobsync
