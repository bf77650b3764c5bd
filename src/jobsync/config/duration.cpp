#include "jobsync/config/duration.hpp"

#include <climits>
#include <utility>

namespace jobsync {

std::optional<long> parse_duration_seconds(const std::string& text)
{
    if (text.size() < 2) {
        return std::nullopt;
    }
    long multiplier = 0;
    switch (text.back()) {
    case 's':
        multiplier = 1;
        break;
    case 'm':
        multiplier = 60;
        break;
    case 'h':
        multiplier = 3600;
        break;
    case 'd':
        multiplier = 86400;
        break;
    default:
        return std::nullopt;
    }
    long value = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const int digit = c - '0';
        if (value > (LONG_MAX - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    if (value > LONG_MAX / multiplier) {
        return std::nullopt;
    }
    return value * multiplier;
}

std::string format_duration(long seconds)
{
    for (const auto& [unit, length] : {std::pair{'d', 86400L}, {'h', 3600L}, {'m', 60L}}) {
        if (seconds != 0 && seconds % length == 0) {
            return std::to_string(seconds / length) + unit;
        }
    }
    return std::to_string(seconds) + "s";
}

} // namespace jobsync
