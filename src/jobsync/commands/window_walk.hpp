// Re-walking a creation-time window without touching checkpoints: `verify`
// compares it with the database, `backfill` writes it.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/core/stop_token.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace jobsync {

struct WindowOptions {
    // --since / --from; default: each source's start_time, else all history
    std::optional<UnixSeconds> since;
    // --until / --to; default: now - sync.settle_delay (newer jobs are not synced yet)
    std::optional<UnixSeconds> until;
    std::vector<std::string> tags; // --tags; default: every configured tag
};

// `verify`: reports jobs missing from the database, extra in it, or different
// (state, progress, end time, output MD5s), one line each naming the job id,
// then a summary line. Returns 1 when any differ, 0 when none do.
int run_verify(const Config& config, const WindowOptions& options, std::ostream& out,
               StopToken stop);

// `backfill`: writes every job of the window (idempotent upserts), for repairs
// and first loads of old history; checkpoints are not moved. Returns the exit
// status (0 ok, 1 a partition failed).
int run_backfill(const Config& config, const WindowOptions& options, StopToken stop);

} // namespace jobsync
