// Durations as written in the config and on the command line: "15m".
#pragma once

#include <optional>
#include <string>

namespace jobsync {

// Parses "15m", "30s", "2h", "7d" (an integer and one unit). Returns nullopt otherwise.
std::optional<long> parse_duration_seconds(const std::string& text);

} // namespace jobsync
