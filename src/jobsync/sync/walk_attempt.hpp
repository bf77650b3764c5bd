// One walk of a partition or a slice under the one database retry policy,
// and the one place that sorts how it ended: a PartitionError or a database
// error fails only this walk, a RunError stops the run unless the run is
// already stopping (then the walk was merely interrupted).
#pragma once

#include "jobsync/db/db_session.hpp"
#include "jobsync/sync/partition_outcome.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace jobsync {

struct WalkEnd {
    PartitionStatus status = PartitionStatus::ok;
    std::string error; // "" when ok
};

// Runs `walk` (redone from its checkpoint after a lost connection, as
// perform() decides; `pages` counts committed pages so long walks keep their
// retries) and returns how it ended. `what` names the walk in retry logs,
// `error_prefix` starts its failure text. Throws RunError when the run must
// stop.
struct WalkAttempt {
    std::string what;         // "syncing partition b/t/q"
    std::string error_prefix; // "slice 2 of partition b/t/q: ", or ""
    const std::atomic<bool>* stop_flag = nullptr;
};
WalkEnd attempt_walk(DbSession& db, const WalkAttempt& attempt, const PartitionStats& stats,
                     const std::function<PartitionStatus()>& walk);

} // namespace jobsync
