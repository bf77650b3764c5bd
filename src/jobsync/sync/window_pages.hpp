// The pages of one partition's creation-time window, walked without a
// checkpoint (for `verify` and `backfill`).
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/sync/partition.hpp"

#include <atomic>
#include <functional>
#include <optional>

namespace jobsync {

// True when a request that carried a continuation token failed because the
// service rejected the token (expired or invalid: a 4xx other than 403).
bool is_rejected_token(const PartitionError& error);

using PageVisitor = std::function<void(const JobsPage& page)>;

// Calls visit for every page of (start, end), oldest first. A rejected token
// restarts the walk from the newest creation time seen minus one second, so
// no job is skipped (some are visited twice). Throws PartitionError when the
// service fails, RunError when *stop_flag is set.
void walk_window(CiClient& client, const Partition& partition, int page_size,
                 std::optional<UnixSeconds> start, std::optional<UnixSeconds> end,
                 const std::atomic<bool>* stop_flag, const PageVisitor& visit);

} // namespace jobsync
