// Typed TOML reading and its file:line:column diagnostics (config/toml_reader.cpp).
#include "jobsync/config/config.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: unknown keys are rejected where they stand")
{
    const CleanEnv env;
    expect_error(kMinimal + "\n[sync]\npage_sze = 1\n", "10:1",
                 {"unknown key 'page_sze' in [sync]"});
    expect_error("verbose = true\n" + kMinimal, "1:1", {"unknown key 'verbose' at the top level"});
    expect_error(kMinimal + "[database]\nurl = \"\"\nhost = \"db\"\n", "10:1",
                 {"unknown key 'host' in [database]"});
    expect_error("[credentials]\nsecret_id = \"a\"\nsecretkey = \"b\"\n" + kNoCredentials, "3:1",
                 {"unknown key 'secretkey' in [credentials]"});
    expect_error(kMinimal + "\n[[source]]\nbucket = \"other-1\"\nregion = \"ap-x\"\ntag = []\n",
                 "12:1", {"unknown key 'tag' in [[source]]"});
    // The earliest of several unknown keys is reported, not the alphabetically first.
    expect_error(kMinimal + "[sync]\nzzz = 1\naaa = 2\n", "9:1", {"unknown key 'zzz'"});
}

TEST_CASE("config: wrong types name the key, the expected type and the position")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\npage_size = \"100\"\n", "9:13",
                 {"[sync] page_size must be an integer, got a string"});
    expect_error(kMinimal + "[sync]\nlookback = 15\n", "9:12",
                 {"[sync] lookback must be a string, got an integer"});
    expect_error(kMinimal + "[sync]\nmax_attempts = 2.5\n", "9:16",
                 {"[sync] max_attempts must be an integer, got a float"});
    expect_error(kMinimal + "tags = \"Transcode\"\n", "8:8",
                 {"[[source]] tags must be an array of strings, got a string"});
    expect_error(kMinimal + "queues = [\"q1\", 2]\n", "8:17",
                 {"[[source]] queues must be an array of strings, got an integer"});
    expect_error(kMinimal + "endpoint = true\n", "8:12",
                 {"[[source]] endpoint must be a string, got a boolean"});
    expect_error("database = \"postgresql:///x\"\n" + kMinimal, "1:12",
                 {"database must be a table, got a string"});
    expect_error(kMinimal + "[database]\nschema = 5\n", "9:10", {"[database] schema must be"});
    expect_error("sync = 3\n" + kMinimal, "1:8", {"sync must be a table"});
    expect_error("[source]\nbucket = \"b\"\nregion = \"r\"\n", "1:1",
                 {"source must be an array of tables ([[source]]), got a table"});
    expect_error("[[source]]\nbucket = 17\nregion = \"r\"\n", "2:10",
                 {"[[source]] bucket must be a string, got an integer"});
}

TEST_CASE("config: integers out of range")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\npage_size = 500\n", "9:13",
                 {"[sync] page_size must be between 1 and 100, got 500"});
    expect_error(kMinimal + "[sync]\npage_size = 0\n", "9:13",
                 {"[sync] page_size must be between 1 and 100, got 0"});
    expect_error(kMinimal + "[sync]\nmax_attempts = 101\n", "9:16",
                 {"[sync] max_attempts must be between 1 and 100, got 101"});
    expect_error(kMinimal + "[sync]\nmax_response_bytes = 1023\n", "9:22",
                 {"[sync] max_response_bytes must be at least 1024, got 1023"});
    expect_error(kMinimal + "[sync]\nmax_attempts = -1\n", "9:16", {"got -1"});
    expect_error(kMinimal + "[sync]\nids_per_request = 101\n", "9:19",
                 {"[sync] ids_per_request must be between 1 and 100, got 101"});
    expect_error(kMinimal + "[sync]\nids_per_request = 0\n", "9:19",
                 {"[sync] ids_per_request must be between 1 and 100, got 0"});
}

TEST_CASE("config: bad durations")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\nlookback = \"15 minutes\"\n", "9:12",
                 {"[sync] lookback: bad duration '15 minutes' (expected an integer and one of s, "
                  "m, h, d, like \"15m\")"});
    expect_error(kMinimal + "[sync]\nsettle_delay = \"-5s\"\n", "9:16",
                 {"[sync] settle_delay: bad duration '-5s'"});
    expect_error(kMinimal + "[sync]\nrefresh_horizon = \"7\"\n", "9:19",
                 {"[sync] refresh_horizon: bad duration '7'"});
    expect_error(kMinimal + "[sync]\ntoken_max_age = \"1.5h\"\n", "9:17",
                 {"[sync] token_max_age: bad duration '1.5h'"});
    expect_error(kMinimal + "[sync]\nretry_max_time = \"99999999999999999999d\"\n", "9:18",
                 {"[sync] retry_max_time: bad duration"});
    expect_error(kMinimal + "[sync]\nretry_max_time = \"36501d\"\n", "9:18",
                 {"[sync] retry_max_time must be at most 1d, got '36501d'"});
    // Timeouts must be positive; zero is only fine where it means "no delay".
    for (const char* key : {"connect_timeout", "request_timeout", "retry_max_time",
                            "refresh_horizon", "token_max_age"}) {
        const std::string text = kMinimal + "[sync]\n" + key + " = \"0s\"\n";
        expect_error(text, "9:" + std::to_string(std::strlen(key) + 4),
                     {std::string("[sync] ") + key + " must be greater than zero, got '0s'"});
    }
}

TEST_CASE("config: every duration key has its own maximum, checked when the file is read")
{
    const CleanEnv env;
    struct Bound {
        const char* key;
        const char* max;
        const char* over;
        long max_seconds;
    };
    static constexpr Bound kBounds[] = {
        {"lookback", "30d", "721h", 30 * 86400},
        {"settle_delay", "1d", "86401s", 86400},
        {"refresh_horizon", "3650d", "3651d", 3650 * 86400L},
        {"connect_timeout", "10m", "601s", 600},
        {"request_timeout", "1h", "61m", 3600},
        {"retry_max_time", "1d", "25h", 86400},
        {"token_max_age", "7d", "8d", 7 * 86400},
        {"lease", "1d", "1441m", 86400},
    };
    for (const Bound& bound : kBounds) {
        INFO(bound.key);
        const std::string line = std::string(bound.key) + " = \"";
        expect_error(kMinimal + "[sync]\n" + line + bound.over + "\"\n",
                     "9:" + std::to_string(line.size()),
                     {std::string("[sync] ") + bound.key + " must be at most " + bound.max +
                      ", got '" + bound.over + "'"});
        // The maximum itself is fine.
        const SyncConfig sync = load(kMinimal + "[sync]\n" + line + bound.max + "\"\n").sync;
        const std::map<std::string, long> read{{"lookback", sync.lookback_seconds},
                                               {"settle_delay", sync.settle_delay_seconds},
                                               {"refresh_horizon", sync.refresh_horizon_seconds},
                                               {"connect_timeout", sync.connect_timeout_seconds},
                                               {"request_timeout", sync.request_timeout_seconds},
                                               {"retry_max_time", sync.retry_max_seconds},
                                               {"token_max_age", sync.token_max_age_seconds},
                                               {"lease", sync.lease_seconds}};
        CHECK(read.at(bound.key) == bound.max_seconds);
    }
    // Durations far past any maximum (once LONG_MAX seconds) fail the same way.
    expect_error(kMinimal + "[sync]\nlease = \"106751991167300d\"\n", "9:9",
                 {"[sync] lease must be at most 1d"});
}

TEST_CASE("config: TOML syntax errors carry the file and position")
{
    const CleanEnv env;
    const Failure failure = failure_of(kMinimal + "[sync]\npage_size = = 1\n");
    CHECK(failure.message.rfind(failure.path + ":9:", 0) == 0);
    CHECK(contains(failure.message, "TOML syntax error: "));

    // Away from secrets, toml++'s description is kept.
    const Failure duplicate = failure_of(kMinimal + "[sync]\npage_size = 1\npage_size = 2\n");
    CHECK(duplicate.message.rfind(duplicate.path + ":10:", 0) == 0);
    CHECK(contains(duplicate.message, "page_size"));
}

// toml++ 3.3 reaches __builtin_unreachable() on these (fuzz_config found the
// first; tests/fuzz/corpus/config/crash_toml_unreachable_whitespace.toml):
// they are refused, with their position, before it parses them.
TEST_CASE("config: a non-ASCII character where TOML allows none is refused before toml++")
{
    const CleanEnv env;
    // U+FCFF inside a table header: the fuzzer's input, reduced.
    expect_error("[[so\xEF\xB3\xBF]]\n" + kMinimal, "1:5",
                 {"a non-ASCII character (U+FCFF) outside a string or comment"});
    // U+00A7 first on the line after a line-ending backslash (tomlplusplus #190).
    expect_error(kMinimal + "[sync]\nlookback = \"\"\"\\\n\xC2\xA7\"\"\"\n", "10:1",
                 {"a non-ASCII character (U+00A7) right after a line-ending backslash"});
    // Where a quote opens no string (after a bare value or inside one),
    // toml++ reads on through the token: the masked copy stops it at the
    // quote, with toml++'s own words (corpus/config/crash_toml_unreachable_after_*).
    expect_error(kMinimal + "[sync]\nlookback = 999\"\xC3\xB3\"\n", "9:15",
                 {"TOML syntax error", "saw '\"'"});
    expect_error(kMinimal + "[sync]\nlookback = \"1d\"\"\xC3\xB3\"\n", "9:16",
                 {"TOML syntax error", "saw '\"'"});
    expect_error(kMinimal + "[sync]\nlookback = 7.e.'\xEF\xB3\xBF'\n", "9:14",
                 {"TOML syntax error"});
    // An invalid byte is named as a byte.
    expect_error("x\xBB = 1\n" + kMinimal, "1:2", {"a non-ASCII character (byte 0xBB)"});

    // In strings and comments non-ASCII text is fine, and reaches the key checks.
    expect_error("# caf\xC3\xA9 \xEF\xB3\xBF\n" + kMinimal +
                     "[sync]\nzzz = \"\xEF\xB3\xBF\"\n"
                     "www = [\"\xC3\xB3\", {v = '\xC3\xB3'}]\n"
                     "yyy = '\xC2\xA7'\nxxx = \"\"\"\xC2\xA7\\\"\"\"\"\n",
                 "10:1", {"unknown key 'zzz'"});
}
