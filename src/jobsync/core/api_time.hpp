// Instants as UTC Unix seconds, and the API's wire format for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

using UnixSeconds = std::int64_t;

// A proleptic Gregorian calendar date and time of day.
struct CivilTime {
    std::int64_t year;
    unsigned month, day, hour, minute, second;
};

// Unix seconds of a date and time at a UTC offset (seconds east of UTC).
// The fields are not range-checked: callers pass validated ones.
UnixSeconds unix_seconds_from_civil(const CivilTime& time, int offset_seconds = 0);

// Parses the API's "%Y-%m-%dT%H:%M:%S%z" (e.g. 2022-06-27T15:23:12+0800).
// Also accepts "+08:00", "Z" and a fractional second (dropped), which some
// responses carry. Returns nullopt for anything else, including "-" and "".
std::optional<UnixSeconds> parse_api_time(std::string_view text);

// Formats for the wire: "2024-01-01T00:00:00+0800" at the given UTC offset
// (in minutes east of UTC; the worker uses 0 => "+0000").
std::string format_api_time(UnixSeconds instant, int offset_minutes = 0);

// ISO 8601 UTC for PostgreSQL timestamptz parameters: "2024-01-01T00:00:00Z".
std::string format_iso_utc(UnixSeconds instant);

// RFC 1123 GMT, as in the HTTP Date header: "Mon, 28 Jun 2022 15:23:12 GMT".
std::string format_http_date(UnixSeconds instant);
std::optional<UnixSeconds> parse_http_date(std::string_view text);

// This process's wall-clock time in Unix seconds (shifted by the test-only
// JOBSYNC_TEST_CLOCK_OFFSET_SECONDS). Windows and leases shared by a fleet
// take the database's clock instead (db/time_param.hpp, database_now).
UnixSeconds now_unix_seconds();

} // namespace jobsync
