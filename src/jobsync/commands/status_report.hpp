// `status`: one line per partition (cursor, lag, last run, outcome, jobs in
// quarantine, the worker walking it in the round in progress, error), all
// server text sanitized; then the round, and the callback inbox.
#pragma once

#include "jobsync/config/config.hpp"

#include <optional>
#include <ostream>

namespace jobsync {

struct StatusOptions {
    bool json = false;
    std::optional<long> max_lag_seconds;
};

// Prints the report; returns 1 when max_lag_seconds is set and a partition
// is further behind (or was never synced), else 0.
int print_status(const Config& config, const StatusOptions& options, std::ostream& out);

// "3d4h", "15m", "42s": a lag for people.
std::string format_lag(long seconds);

} // namespace jobsync
