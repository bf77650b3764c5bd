#include "jobsync/commands/command_line.hpp"
#include "jobsync/core/errors.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace jobsync;

namespace {

CommandLine parse(std::vector<const char*> args)
{
    args.insert(args.begin(), "ci-jobsync");
    return parse_command_line(static_cast<int>(args.size()), args.data());
}

} // namespace

TEST_CASE("command_line: verbs and global options in any order")
{
    const CommandLine cmd = parse({"sync", "--config", "/etc/x.toml", "-q", "--wait-lock", "30"});
    CHECK(cmd.verb == "sync");
    CHECK(cmd.config_path == "/etc/x.toml");
    CHECK(cmd.log_level == LogLevel::warn);
    CHECK(cmd.wait_lock_seconds == 30);
    CHECK(parse({"--config=/a.toml", "-v", "migrate"}).log_level == LogLevel::debug);
    CHECK(parse({"--log-format", "json", "status"}).log_format == LogFormat::json);
    CHECK(parse({"sync", "--wait-lock", "2m"}).wait_lock_seconds == 120);
}

TEST_CASE("command_line: status, verify, backfill and grant-read options")
{
    const CommandLine status = parse({"status", "--json", "--max-lag", "1h"});
    CHECK(status.json);
    CHECK(status.max_lag_seconds == 3600);
    const CommandLine verify =
        parse({"verify", "--since", "2024-01-01T00:00:00+08:00", "--tags", "Transcode,Snapshot"});
    CHECK(verify.since == 1704038400);
    CHECK(verify.tags == std::vector<std::string>{"Transcode", "Snapshot"});
    const CommandLine backfill =
        parse({"backfill", "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-02T00:00:00+0000"});
    CHECK(backfill.since == 1704067200);
    CHECK(backfill.until == 1704153600);
    CHECK(parse({"grant-read", "metabase"}).role == "metabase");
    CHECK(parse({"sync", "--metrics-file", "/tmp/m.prom"}).metrics_file == "/tmp/m.prom");
}

TEST_CASE("command_line: help and version need no verb")
{
    CHECK(parse({"--help"}).help);
    CHECK(parse({"--version"}).version);
}

TEST_CASE("command_line: bad command lines are ConfigErrors naming the problem")
{
    const std::vector<std::pair<std::vector<const char*>, std::string>> cases{
        {{}, "no command given"},
        {{"frobnicate"}, "unexpected argument 'frobnicate'"},
        {{"sync", "--bogus"}, "unknown option '--bogus'"},
        {{"sync", "--config"}, "--config needs a value"},
        {{"status", "--wait-lock", "5"}, "not valid for 'status'"},
        {{"sync", "--json"}, "not valid for 'sync'"},
        {{"sync", "--wait-lock", "soon"}, "--wait-lock"},
        {{"--log-format", "xml", "sync"}, "--log-format must be logfmt or json"},
        {{"backfill"}, "backfill needs --from"},
        {{"grant-read"}, "grant-read needs a ROLE"},
        {{"verify", "--since", "yesterday"}, "--since"},
        {{"verify", "--since", "2024-01-02T00:00:00Z", "--until", "2024-01-01T00:00:00Z"},
         "start must be before its end"},
        // Durations past 36500d: a deadline or `now - ago` would overflow.
        {{"sync", "--wait-lock", "9223372036854775807s"}, "--wait-lock: at most 36500d"},
        {{"status", "--max-lag", "36501d"}, "--max-lag: at most 36500d"},
        {{"verify", "--since", "106751991167300d"}, "--since: at most 36500d"},
    };
    for (const auto& [args, message] : cases) {
        INFO(message);
        try {
            parse(args);
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).find(message) != std::string::npos);
        }
    }
}

TEST_CASE("command_line: audit and its options")
{
    const CommandLine audit = parse({"audit", "--since", "7d", "--recheck", "--metrics-file",
                                     "/var/lib/prometheus/audit.prom"});
    CHECK(audit.verb == "audit");
    CHECK(audit.since.has_value());
    CHECK(audit.recheck);
    CHECK(audit.metrics_file == "/var/lib/prometheus/audit.prom");
    CHECK_FALSE(parse({"audit"}).recheck);
    CHECK_THROWS_AS(parse({"audit", "--tags", "Transcode"}), ConfigError);
    CHECK_THROWS_AS(parse({"sync", "--recheck"}), ConfigError);
    CHECK_THROWS_AS(parse({"audit", "--since", "soon"}), ConfigError);
    CHECK(std::string(usage_text()).find("audit [--since T]") != std::string::npos);
}
