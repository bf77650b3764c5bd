#include "emulator/emulator_command_line.hpp"

#include "emulator/callback_body.hpp"
#include "emulator/loopback_post.hpp"
#include "jobsync/core/api_tags.hpp"
#include "jobsync/core/api_time.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace jobsync::emulator {
namespace {

const char* const kUsage =
    "usage: ci-emulator [--host 127.0.0.1] [--port N] [--seed N] [--jobs N] [--tags A,B]\n"
    "                   [--queues q1,q2] [--bucket B] [--region R]\n"
    "                   [--start 2024-01-01T00:00:00+0800] [--spacing-seconds N] [--load DIR]\n"
    "                   [--secret-id ID] [--secret-key-file FILE] [--admin-token-file FILE]\n"
    "                   [--max-jobs N] [--threads N] [--max-connections N]\n"
    "                   [--latency-ms N] [--error-rate X] [--throttle-rate X]\n"
    "                   [--truncate-rate X] [--token-ttl N]\n"
    "                   [--security-token T] [--strict-signing] [--strict-times]\n"
    "                   [--clock-offset-seconds N] [--nonexist-style joined|repeated]\n"
    "                   [--token-reject-rate X] [--offset-tokens] [--old-unfinished-rate X]\n"
    "                   [--refuse-by-id] [--refused-job-ids A,B] [--denied-path /P]\n"
    "                   [--workflows N]\n"
    "                   [--callback-url http://127.0.0.1:PORT/path?token=T]\n"
    "                   [--callback-format xml|json] [--callback-concurrency N]\n"
    "                   [--port-file FILE] [--help]\n"
    "Serves GET /jobs, GET /jobs/<ids> and GET /queue like Tencent Cloud Infinite, with\n"
    "signature checks. Secret id/key/token default to $TENCENTCLOUD_SECRET_ID /\n"
    "$TENCENTCLOUD_SECRET_KEY / $TENCENTCLOUD_SECURITY_TOKEN; with a token, every request\n"
    "must carry it in x-ci-security-token or x-cos-security-token. --secret-key KEY still\n"
    "works, but shows the key to every local user: prefer --secret-key-file.\n"
    "The /_emulator/ admin endpoints are off unless an admin token is given, by\n"
    "--admin-token-file or $CI_EMULATOR_ADMIN_TOKEN; clients send it as\n"
    "'Authorization: Bearer <token>'. --max-jobs (default 1000000) caps the dataset.\n"
    "--strict-signing: host and every query parameter must be signed (default: what\n"
    "q-header-list and q-url-param-list name). --strict-times: only\n"
    "%Y-%m-%dT%H:%M:%S%z bounds. --bucket also makes Host <bucket>.ci.<region>.myqcloud.com\n"
    "(or a loopback address) required.\n"
    "--jobs defaults to 1000, or 0 with --load. --tags all generates all 25 job types.\n"
    "--offset-tokens: a NextToken names only the listing and the position (the same\n"
    "position gets the same token again; never expires).\n"
    "--callback-url: when a job finishes (POST /_emulator/finish[?ids=a,b], or a dataset\n"
    "change), POST its TaskFinish body (the JobsDetail GET /jobs serves) to this loopback\n"
    "URL, as CI does for a queue's NotifyConfig; POST /_emulator/notify?ids=a,b or\n"
    "?finished_since=TIME (optional &format=xml|json) calls back on demand, ?runs=a,b\n"
    "sends each workflow run's WorkflowFinish (its state now). One POST per\n"
    "job or run, from --callback-concurrency threads (default 1); /_emulator/stats counts\n"
    "callbacks_sent, callbacks_failed and callbacks_dropped.\n"
    "--refuse-by-id: 403 AccessDenied to every GET /jobs/<ids> (a key without\n"
    "ci:DescribeMediaJob); --refused-job-ids: 400 InvalidArgument to a GET /jobs/<ids>\n"
    "naming one of them. --denied-path /workflowexecution: 403 AccessDenied to every\n"
    "request under that path (a key without that API's CAM action). POST\n"
    "/_emulator/faults?refuse_by_id=0|1&refused_job_ids=a,b&denied_path=/P sets them\n"
    "while running, with the other faults.\n"
    "Also served: GET /workflow (--workflows N, default 12, the last quarter Paused; the\n"
    "first 3 have runs: one per workflow-triggered job, which finishes when its job does:\n"
    "POST /_emulator/finish?runs=a,b), GET /workflowexecution[/<RunId>] and GET\n"
    "/inventorytriggerjob[/<id>], with the same signing, time, token and fault rules.\n"
    "POST /_emulator/jobs?count=N&workflow=<id> adds N runs of that workflow.\n"
    "/_emulator/stats counts the 200s per endpoint (workflow_list_requests,\n"
    "run_list_requests, run_detail_requests, batch_list_requests, batch_detail_requests).\n"
    "With Host <bucket>.cos.<region>.myqcloud.com it is COS: HEAD /<key> of the Success\n"
    "jobs' output objects (and GET /<key>?ci-process=filehash); POST\n"
    "/_emulator/objects?bucket=B&key=K&case=missing|mismatch|multipart|multipart_md5|\n"
    "forbidden|unavailable[&times=N]|none sets how one answers (case=reset: all).\n"
    "Runs until SIGTERM or SIGINT.\n";

long long parse_integer(const std::string& flag, const std::string& text, long long min,
                        long long max)
{
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || value < min || value > max) {
        throw UsageError(flag + " needs an integer in " + std::to_string(min) + ".." +
                         std::to_string(max) + ", got '" + text + "'");
    }
    return value;
}

double parse_rate(const std::string& flag, const std::string& text)
{
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(value >= 0 && value <= 1)) {
        throw UsageError(flag + " needs a rate between 0 and 1, got '" + text + "'");
    }
    return value;
}

std::vector<std::string> parse_list(const std::string& flag, const std::string& text)
{
    std::vector<std::string> items;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    if (items.empty()) {
        throw UsageError(flag + " needs a comma-separated list");
    }
    return items;
}

// A secret kept in a file: its content without the trailing newline; never echoed.
std::string read_secret_file(const std::string& flag, const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) {
        throw UsageError(flag + ": cannot read " + path);
    }
    std::string text = content.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    if (text.empty()) {
        throw UsageError(flag + ": " + path + " is empty");
    }
    return text;
}

NonExistStyle parse_nonexist_style(const std::string& value)
{
    if (value != "joined" && value != "repeated") {
        throw UsageError("--nonexist-style needs joined or repeated, got '" + value + "'");
    }
    return value == "joined" ? NonExistStyle::joined : NonExistStyle::repeated;
}

// The parse state: the settings, and whether --jobs was given (with --load
// the default count is 0).
struct Parsed {
    EmulatorSettings settings;
    bool jobs_given = false;
};

// One option as given: the flag (for messages) and its value ("" for a switch).
struct Arg {
    const std::string& flag;
    const std::string& value;
};

struct Option {
    const char* flag;
    bool takes_value; // false: a switch
    void (*apply)(Parsed& parsed, const Arg& arg);
};

const std::vector<Option>& options()
{
    static const std::vector<Option> table{
        {"--host", true, [](Parsed& p, const Arg& a) { p.settings.server.host = a.value; }},
        {"--port", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.port = static_cast<int>(parse_integer(a.flag, a.value, 0, 65535));
         }},
        {"--port-file", true, [](Parsed& p, const Arg& a) { p.settings.port_file = a.value; }},
        {"--threads", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.threads =
                 static_cast<unsigned>(parse_integer(a.flag, a.value, 1, 256));
         }},
        {"--max-connections", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.max_connections =
                 static_cast<unsigned>(parse_integer(a.flag, a.value, 1, 65536));
         }},
        {"--max-jobs", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.max_jobs =
                 static_cast<std::size_t>(parse_integer(a.flag, a.value, 0, 100000000));
         }},
        // The generated dataset.
        {"--seed", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.seed =
                 static_cast<std::uint64_t>(parse_integer(a.flag, a.value, 0, INT64_MAX));
         }},
        {"--jobs", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.count =
                 static_cast<std::size_t>(parse_integer(a.flag, a.value, 0, 100000000));
             p.jobs_given = true;
         }},
        // "all": every tag of the API page, each with its own Operation shapes.
        {"--tags", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.tags =
                 a.value == "all" ? all_api_tags() : parse_list(a.flag, a.value);
         }},
        {"--workflows", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.workflows = static_cast<std::size_t>(parse_integer(
                 a.flag, a.value, static_cast<long long>(kWorkflowsWithJobs), 100000));
         }},
        {"--queues", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.queues = parse_list(a.flag, a.value);
         }},
        {"--bucket", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.bucket = a.value;
             p.settings.server.api.bucket = a.value; // given => Host is checked
         }},
        {"--region", true, [](Parsed& p, const Arg& a) { p.settings.generator.region = a.value; }},
        {"--start", true,
         [](Parsed& p, const Arg& a) {
             const auto start = parse_api_time(a.value);
             if (!start) {
                 throw UsageError("--start needs a time like 2024-01-01T00:00:00+0800");
             }
             p.settings.generator.first_creation_time = *start;
         }},
        {"--spacing-seconds", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.spacing_seconds =
                 static_cast<long>(parse_integer(a.flag, a.value, 0, 86400 * 365));
         }},
        {"--old-unfinished-rate", true,
         [](Parsed& p, const Arg& a) {
             p.settings.generator.old_unfinished_rate = parse_rate(a.flag, a.value);
         }},
        {"--load", true, [](Parsed& p, const Arg& a) { p.settings.load_dir = a.value; }},
        // Secrets.
        {"--secret-id", true,
         [](Parsed& p, const Arg& a) { p.settings.server.secret_id = a.value; }},
        {"--secret-key", true,
         [](Parsed& p, const Arg& a) { p.settings.server.secret_key = a.value; }},
        {"--secret-key-file", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.secret_key = read_secret_file(a.flag, a.value);
         }},
        {"--admin-token-file", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.admin_token = read_secret_file(a.flag, a.value);
         }},
        // How strictly the emulated API judges requests.
        {"--security-token", true,
         [](Parsed& p, const Arg& a) { p.settings.server.security_token = a.value; }},
        {"--strict-signing", false,
         [](Parsed& p, const Arg&) { p.settings.server.api.strict_signing = true; }},
        {"--strict-times", false,
         [](Parsed& p, const Arg&) { p.settings.server.api.strict_times = true; }},
        {"--nonexist-style", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.api.nonexist_style = parse_nonexist_style(a.value);
         }},
        {"--offset-tokens", false,
         [](Parsed& p, const Arg&) { p.settings.server.offset_tokens = true; }},
        // Faults.
        {"--latency-ms", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.latency_ms =
                 static_cast<long>(parse_integer(a.flag, a.value, 0, 600000));
         }},
        {"--error-rate", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.server_error_rate = parse_rate(a.flag, a.value);
         }},
        {"--throttle-rate", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.throttle_rate = parse_rate(a.flag, a.value);
         }},
        {"--truncate-rate", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.truncate_rate = parse_rate(a.flag, a.value);
         }},
        {"--token-ttl", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.token_ttl_seconds =
                 static_cast<long>(parse_integer(a.flag, a.value, 0, 86400 * 365));
         }},
        {"--token-reject-rate", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.token_reject_rate = parse_rate(a.flag, a.value);
         }},
        {"--clock-offset-seconds", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.clock_offset_seconds =
                 static_cast<long>(parse_integer(a.flag, a.value, -366L * 86400, 366L * 86400));
         }},
        {"--refuse-by-id", false,
         [](Parsed& p, const Arg&) { p.settings.server.faults.refuse_by_id = true; }},
        {"--denied-path", true,
         [](Parsed& p, const Arg& a) {
             if (a.value.empty() || a.value.front() != '/') {
                 throw UsageError(a.flag + " needs a path starting with /, got '" + a.value + "'");
             }
             p.settings.server.faults.denied_path = a.value;
         }},
        {"--refused-job-ids", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.faults.refused_job_ids = parse_list(a.flag, a.value);
         }},
        // Callbacks.
        {"--callback-url", true,
         [](Parsed& p, const Arg& a) {
             try {
                 parse_loopback_url(a.value);
             } catch (const std::invalid_argument& error) {
                 throw UsageError(std::string("--callback-url: ") + error.what());
             }
             p.settings.server.callback.url = a.value;
         }},
        {"--callback-format", true,
         [](Parsed& p, const Arg& a) {
             try {
                 p.settings.server.callback.format = parse_callback_format(a.value);
             } catch (const std::invalid_argument& error) {
                 throw UsageError(std::string("--callback-format: ") + error.what());
             }
         }},
        {"--callback-concurrency", true,
         [](Parsed& p, const Arg& a) {
             p.settings.server.callback.concurrency =
                 static_cast<unsigned>(parse_integer(a.flag, a.value, 1, 64));
         }},
    };
    return table;
}

const Option* find_option(const std::string& flag)
{
    for (const Option& option : options()) {
        if (flag == option.flag) {
            return &option;
        }
    }
    return nullptr;
}

void take_environment(ServerOptions& server)
{
    const auto take = [](const char* name, std::string& into) {
        if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
            into = value;
        }
    };
    take("TENCENTCLOUD_SECRET_ID", server.secret_id);
    take("TENCENTCLOUD_SECRET_KEY", server.secret_key);
    take("CI_EMULATOR_ADMIN_TOKEN", server.admin_token);
    take("TENCENTCLOUD_SECURITY_TOKEN", server.security_token);
}

} // namespace

const char* emulator_usage()
{
    return kUsage;
}

EmulatorSettings parse_emulator_arguments(const std::vector<std::string>& args)
{
    Parsed parsed;
    EmulatorSettings& s = parsed.settings;
    take_environment(s.server);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& flag = args[i];
        if (flag == "--help" || flag == "-h") {
            s.help = true;
            return s;
        }
        const Option* option = find_option(flag);
        if (option == nullptr) {
            throw UsageError("unknown option " + flag);
        }
        if (option->takes_value && i + 1 >= args.size()) {
            throw UsageError(flag + " needs a value");
        }
        const std::string no_value;
        option->apply(parsed, {flag, option->takes_value ? args[++i] : no_value});
    }
    if (!s.load_dir.empty() && !parsed.jobs_given) {
        s.generator.count = 0;
    }
    s.server.generator = s.generator;
    s.server.api.region = s.generator.region;
    return s;
}

} // namespace jobsync::emulator
