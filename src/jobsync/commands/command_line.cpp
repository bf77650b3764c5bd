#include "jobsync/commands/command_line.hpp"

#include "jobsync/config/config.hpp"
#include "jobsync/config/duration.hpp"
#include "jobsync/core/errors.hpp"

#include <cstring>

namespace jobsync {
namespace {

bool is_verb(const std::string& word)
{
    return word == "migrate" || word == "sync" || word == "status" || word == "verify" ||
           word == "backfill" || word == "grant-read" || word == "listen" || word == "audit";
}

// An instant: the API's format or ISO 8601 with an offset, or a duration
// meaning that long ago ("7d").
// A duration option: at most kMaxDurationSeconds, so `now - ago` and a
// deadline `now + wait` cannot overflow.
std::optional<long> parse_duration_option(const std::string& option, const std::string& value)
{
    const std::optional<long> seconds = parse_duration_seconds(value);
    if (seconds && *seconds > kMaxDurationSeconds) {
        throw ConfigError(option + ": at most " + format_duration(kMaxDurationSeconds) + ", got '" +
                          value + "'");
    }
    return seconds;
}

UnixSeconds parse_instant_option(const std::string& option, const std::string& value)
{
    if (const auto instant = parse_api_time(value)) {
        return *instant;
    }
    if (const auto ago = parse_duration_option(option, value)) {
        return now_unix_seconds() - *ago;
    }
    throw ConfigError(option +
                      ": expected a time like 2024-01-01T00:00:00+08:00 or a duration "
                      "ago like 7d, got '" +
                      value + "'");
}

std::vector<std::string> split_commas(const std::string& value)
{
    std::vector<std::string> items;
    std::string item;
    for (const char c : value + ",") {
        if (c == ',') {
            if (!item.empty()) {
                items.push_back(item);
            }
            item.clear();
        } else {
            item += c;
        }
    }
    return items;
}

long parse_seconds_option(const std::string& option, const std::string& value)
{
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos &&
        value.size() < 9) {
        return std::stol(value);
    }
    if (const auto seconds = parse_duration_option(option, value)) {
        return *seconds;
    }
    throw ConfigError(option + ": expected seconds or a duration like 15m, got '" + value + "'");
}

} // namespace

const char* usage_text()
{
    return "Usage: ci-jobsync [--config FILE] [-v|-q] [--log-format logfmt|json] COMMAND "
           "[options]\n"
           "\n"
           "Keeps a PostgreSQL copy of Tencent Cloud Infinite media-processing jobs (GET /jobs).\n"
           "\n"
           "Commands:\n"
           "  migrate               apply pending SQL migrations\n"
           "  sync                  apply migrations, then one incremental pass over every "
           "partition\n"
           "      --wait-lock SECONDS   wait for partitions another process is syncing (default: "
           "skip)\n"
           "      --metrics-file PATH   write Prometheus metrics there (textfile collector)\n"
           "  status                one line per partition: cursor, lag, last run, last error\n"
           "      --json                machine-readable output\n"
           "      --max-lag DURATION    exit 1 when a partition's cursor is further behind (e.g. "
           "1h)\n"
           "  verify [--since T] [--until T] [--tags A,B]\n"
           "                        re-walk a window without touching checkpoints and report jobs\n"
           "                        missing, extra or different in the database (exit 1 if any)\n"
           "  backfill --from T [--to T] [--tags A,B]\n"
           "                        re-walk and write a window without moving checkpoints\n"
           "  grant-read ROLE       grant an existing role read-only access to the tables and "
           "views\n"
           "  listen                take CI's TaskFinish/WorkflowFinish callbacks ([listen]) "
           "until\n"
           "                        SIGTERM: record the job ids, then fetch and write the jobs\n"
           "  audit [--since T] [--until T] [--recheck] [--metrics-file PATH]\n"
           "                        HEAD the output objects of Success jobs on COS that are due\n"
           "                        ([audit] recheck_after; --recheck: all) and record each in\n"
           "                        output_checks (exit 1 if any is missing or mismatched)\n"
           "\n"
           "Times T: 2024-01-01T00:00:00+08:00 (or +0800, Z), or a duration ago like 7d;\n"
           "a window includes its start second, not its end one.\n"
           "\n"
           "Options:\n"
           "  --config FILE         config file (default: $CI_JOBSYNC_CONFIG, then\n"
           "                        /etc/ci-jobsync/config.toml)\n"
           "  -v, --verbose         debug logging\n"
           "  -q, --quiet           warnings and errors only\n"
           "  --log-format FORMAT   logfmt (default) or json, one line per event on stderr\n"
           "  --help                this text\n"
           "  --version             the version\n"
           "\n"
           "Exit status: 0 success; 1 a partition failed, an audited object is missing or\n"
           "mismatched, or the database is unusable;\n"
           "2 bad command line or config; 128+N when stopped by signal N.\n";
}

CommandLine parse_command_line(int argc, const char* const* argv)
{
    CommandLine cmd;
    auto value_of = [&](int& i, const std::string& option) -> std::string {
        if (i + 1 >= argc) {
            throw ConfigError(option + " needs a value");
        }
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('=');
        const std::string name =
            arg.rfind("--", 0) == 0 && eq != std::string::npos ? arg.substr(0, eq) : arg;
        auto value = [&]() {
            return eq != std::string::npos && name != arg ? arg.substr(eq + 1) : value_of(i, name);
        };
        if (name == "--help" || name == "-h") {
            cmd.help = true;
        } else if (name == "--version") {
            cmd.version = true;
        } else if (name == "--config" || name == "-c") {
            cmd.config_path = value();
        } else if (name == "-v" || name == "--verbose") {
            cmd.log_level = LogLevel::debug;
        } else if (name == "-q" || name == "--quiet") {
            cmd.log_level = LogLevel::warn;
        } else if (name == "--log-format") {
            const std::string format = value();
            if (format != "logfmt" && format != "json") {
                throw ConfigError("--log-format must be logfmt or json, got '" + format + "'");
            }
            cmd.log_format = format == "json" ? LogFormat::json : LogFormat::logfmt;
        } else if (name == "--wait-lock") {
            cmd.wait_lock_seconds = parse_seconds_option(name, value());
        } else if (name == "--metrics-file") {
            cmd.metrics_file = value();
        } else if (name == "--since" || name == "--from") {
            cmd.since = parse_instant_option(name, value());
        } else if (name == "--until" || name == "--to") {
            cmd.until = parse_instant_option(name, value());
        } else if (name == "--tags") {
            cmd.tags = split_commas(value());
        } else if (name == "--recheck") {
            cmd.recheck = true;
        } else if (name == "--json") {
            cmd.json = true;
        } else if (name == "--max-lag") {
            cmd.max_lag_seconds = parse_seconds_option(name, value());
        } else if (!arg.empty() && arg[0] == '-') {
            throw ConfigError("unknown option '" + arg + "' (see --help)");
        } else if (cmd.verb.empty() && is_verb(arg)) {
            cmd.verb = arg;
        } else if (cmd.verb == "grant-read" && cmd.role.empty()) {
            cmd.role = arg;
        } else {
            throw ConfigError("unexpected argument '" + arg + "' (see --help)");
        }
    }
    if (cmd.verb.empty() && !cmd.help && !cmd.version) {
        throw ConfigError("no command given (commands: migrate, sync, status, verify, backfill, "
                          "grant-read, listen, audit; see --help)");
    }
    const bool windowed = cmd.verb == "verify" || cmd.verb == "backfill";
    const bool audit = cmd.verb == "audit";
    if ((cmd.wait_lock_seconds >= 0 && cmd.verb != "sync") ||
        (!cmd.metrics_file.empty() && cmd.verb != "sync" && !audit) ||
        ((cmd.json || cmd.max_lag_seconds) && cmd.verb != "status") ||
        ((cmd.since || cmd.until) && !windowed && !audit) || (!cmd.tags.empty() && !windowed) ||
        (cmd.recheck && !audit)) {
        throw ConfigError("option not valid for '" + cmd.verb + "' (see --help)");
    }
    if (cmd.verb == "backfill" && !cmd.since) {
        throw ConfigError("backfill needs --from (the start of the window to re-walk)");
    }
    if (cmd.verb == "grant-read" && cmd.role.empty()) {
        throw ConfigError("grant-read needs a ROLE");
    }
    if (cmd.since && cmd.until && *cmd.since >= *cmd.until) {
        throw ConfigError("the window's start must be before its end");
    }
    return cmd;
}

} // namespace jobsync
