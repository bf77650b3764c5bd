// What the database says about the sync as a whole, read when the metrics
// file is written (after a run, and periodically during one): committed
// state, so a walk that is blocked shows as such while it is blocked.
#pragma once

#include "jobsync/core/api_time.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct PartitionState {
    std::string bucket, tag, queue_id;
    std::optional<UnixSeconds> cursor;
    // The last page committed by its walk or any slice of it (for a partition
    // that has committed none yet: when it was first seen).
    std::optional<UnixSeconds> last_page_at;
    bool walking = false; // a live claim of the open round walks it (or one of its slices)
    long long quarantined_jobs = 0;
};

struct SyncState {
    // The partitions of the latest round (what the fleet syncs now) and any
    // partition holding quarantined jobs.
    std::vector<PartitionState> partitions;
    long long runs_failed_in_a_row = 0; // finished failed runs since the last ok one
};

namespace sync_state_store {

SyncState read(pqxx::transaction_base& txn);

} // namespace sync_state_store
} // namespace jobsync
