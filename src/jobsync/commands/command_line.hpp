// The command line: global options, a verb, and the verb's options.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/core/logger.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct CommandLine {
    std::string verb; // migrate | sync | status | verify | backfill | grant-read | listen | audit
    std::string config_path;
    LogLevel log_level = LogLevel::info;
    LogFormat log_format = LogFormat::logfmt;
    bool help = false;
    bool version = false;
    long wait_lock_seconds = -1;             // sync --wait-lock SECONDS
    bool json = false;                       // status --json
    std::optional<long> max_lag_seconds;     // status --max-lag DURATION
    std::string metrics_file;                // sync/audit --metrics-file PATH
    std::optional<UnixSeconds> since, until; // verify/audit --since/--until, backfill --from/--to
    bool recheck = false;                    // audit --recheck
    std::vector<std::string> tags;           // verify/backfill --tags A,B
    std::string role;                        // grant-read ROLE
};

// Throws ConfigError for anything it does not understand (exit 2).
CommandLine parse_command_line(int argc, const char* const* argv);

const char* usage_text();

} // namespace jobsync
