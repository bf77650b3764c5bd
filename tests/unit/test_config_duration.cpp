// Durations as written in the config and on the command line (config/duration.cpp).
#include "jobsync/config/duration.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("config: parse_duration_seconds accepts an integer and one unit")
{
    CHECK(parse_duration_seconds("30s") == 30L);
    CHECK(parse_duration_seconds("15m") == 900L);
    CHECK(parse_duration_seconds("2h") == 7200L);
    CHECK(parse_duration_seconds("7d") == 604800L);
    CHECK(parse_duration_seconds("0s") == 0L);
    CHECK(parse_duration_seconds("007m") == 420L);
    for (const char* bad : {"", "s", "15", "-5m", "+5m", "15 m", " 15m", "15m ", "15M", "1.5h",
                            "15min", "15w", "1h30m", "0x10s"}) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_duration_seconds(bad).has_value());
    }
    // Overflow is refused rather than wrapped.
    CHECK_FALSE(parse_duration_seconds("9223372036854775808s").has_value());
    CHECK_FALSE(parse_duration_seconds("99999999999999999999999s").has_value());
    CHECK_FALSE(parse_duration_seconds("106751991167301d").has_value());
    CHECK(parse_duration_seconds("9223372036854775807s") == 9223372036854775807L);
}

TEST_CASE("config: format_duration writes the largest exact unit")
{
    CHECK(format_duration(30 * 86400) == "30d");
    CHECK(format_duration(3600) == "1h");
    CHECK(format_duration(600) == "10m");
    CHECK(format_duration(90) == "90s");
    CHECK(format_duration(0) == "0s");
    for (const long seconds : {1L, 59L, 61L, 86400L, 90000L, kMaxDurationSeconds}) {
        CHECK(parse_duration_seconds(format_duration(seconds)) == seconds);
    }
}
