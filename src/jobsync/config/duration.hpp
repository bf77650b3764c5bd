// Durations as written in the config and on the command line: "15m".
#pragma once

#include <optional>
#include <string>

namespace jobsync {

// The longest duration anything accepts: longer ones are typos, and this cap
// keeps later arithmetic (milliseconds, nanoseconds of a deadline, now - ago)
// far from overflow. Config keys have tighter maxima of their own.
inline constexpr long kMaxDurationSeconds = 36500L * 86400;

// Parses "15m", "30s", "2h", "7d" (an integer and one unit). Returns nullopt otherwise.
std::optional<long> parse_duration_seconds(const std::string& text);

// The shortest text parse_duration_seconds reads back as `seconds`: "30d", "90s".
std::string format_duration(long seconds);

} // namespace jobsync
