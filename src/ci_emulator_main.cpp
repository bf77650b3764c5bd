// ci-emulator: the CI /jobs and /queue API over loopback, for the demo,
// process-level tests and benchmarks.
#include "emulator/callback_body.hpp"
#include "emulator/dataset.hpp"
#include "emulator/dataset_loader.hpp"
#include "emulator/emulator_server.hpp"
#include "emulator/loopback_post.hpp"
#include "jobsync/core/api_tags.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/process_hardening.hpp"

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <pthread.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using jobsync::emulator::Dataset;
using jobsync::emulator::EmulatorServer;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::ServerOptions;

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
    "                   [--refuse-by-id] [--refused-job-ids A,B]\n"
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
    "naming one of them. POST /_emulator/faults?refuse_by_id=0|1&refused_job_ids=a,b\n"
    "sets both while running, with the other faults.\n"
    "With Host <bucket>.cos.<region>.myqcloud.com it is COS: HEAD /<key> of the Success\n"
    "jobs' output objects (and GET /<key>?ci-process=filehash); POST\n"
    "/_emulator/objects?bucket=B&key=K&case=missing|mismatch|multipart|multipart_md5|\n"
    "forbidden|unavailable[&times=N]|none sets how one answers (case=reset: all).\n"
    "Runs until SIGTERM or SIGINT.\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Settings {
    ServerOptions server;
    GeneratorOptions generator;
    bool jobs_given = false;
    std::string load_dir;
    std::string port_file;
};

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

Settings parse_arguments(int argc, char** argv)
{
    Settings s;
    if (const char* id = std::getenv("TENCENTCLOUD_SECRET_ID"); id && *id) {
        s.server.secret_id = id;
    }
    if (const char* key = std::getenv("TENCENTCLOUD_SECRET_KEY"); key && *key) {
        s.server.secret_key = key;
    }
    if (const char* token = std::getenv("CI_EMULATOR_ADMIN_TOKEN"); token && *token) {
        s.server.admin_token = token;
    }
    if (const char* token = std::getenv("TENCENTCLOUD_SECURITY_TOKEN"); token && *token) {
        s.server.security_token = token;
    }
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (flag == "--strict-signing") { // switches: no value
            s.server.api.strict_signing = true;
            continue;
        }
        if (flag == "--strict-times") {
            s.server.api.strict_times = true;
            continue;
        }
        if (flag == "--offset-tokens") {
            s.server.offset_tokens = true;
            continue;
        }
        if (flag == "--refuse-by-id") {
            s.server.faults.refuse_by_id = true;
            continue;
        }
        static const std::set<std::string> kFlags{"--host",
                                                  "--port",
                                                  "--seed",
                                                  "--jobs",
                                                  "--tags",
                                                  "--queues",
                                                  "--bucket",
                                                  "--region",
                                                  "--start",
                                                  "--spacing-seconds",
                                                  "--load",
                                                  "--secret-id",
                                                  "--secret-key",
                                                  "--latency-ms",
                                                  "--error-rate",
                                                  "--throttle-rate",
                                                  "--truncate-rate",
                                                  "--token-ttl",
                                                  "--token-reject-rate",
                                                  "--refused-job-ids",
                                                  "--old-unfinished-rate",
                                                  "--port-file",
                                                  "--secret-key-file",
                                                  "--admin-token-file",
                                                  "--max-jobs",
                                                  "--threads",
                                                  "--max-connections",
                                                  "--callback-url",
                                                  "--callback-format",
                                                  "--callback-concurrency"};
        // How strictly the emulated API judges requests.
        static const std::set<std::string> kApiFlags{"--security-token", "--clock-offset-seconds",
                                                     "--nonexist-style"};
        if (kFlags.count(flag) == 0 && kApiFlags.count(flag) == 0) {
            throw UsageError("unknown option " + flag);
        }
        if (i + 1 >= argc) {
            throw UsageError(flag + " needs a value");
        }
        const std::string value = argv[++i];
        auto& g = s.generator;
        auto& f = s.server.faults;
        if (flag == "--host") {
            s.server.host = value;
        } else if (flag == "--port") {
            s.server.port = static_cast<int>(parse_integer(flag, value, 0, 65535));
        } else if (flag == "--seed") {
            g.seed = static_cast<std::uint64_t>(parse_integer(flag, value, 0, INT64_MAX));
        } else if (flag == "--jobs") {
            g.count = static_cast<std::size_t>(parse_integer(flag, value, 0, 100000000));
            s.jobs_given = true;
        } else if (flag == "--tags") {
            // "all": every tag of the API page, each with its own Operation shapes.
            g.tags = value == "all" ? jobsync::all_api_tags() : parse_list(flag, value);
        } else if (flag == "--queues") {
            g.queues = parse_list(flag, value);
        } else if (flag == "--bucket") {
            g.bucket = value;
            s.server.api.bucket = value; // given => Host is checked
        } else if (flag == "--region") {
            g.region = value;
        } else if (flag == "--start") {
            const auto start = jobsync::parse_api_time(value);
            if (!start) {
                throw UsageError("--start needs a time like 2024-01-01T00:00:00+0800");
            }
            g.first_creation_time = *start;
        } else if (flag == "--spacing-seconds") {
            g.spacing_seconds = static_cast<long>(parse_integer(flag, value, 0, 86400 * 365));
        } else if (flag == "--load") {
            s.load_dir = value;
        } else if (flag == "--secret-id") {
            s.server.secret_id = value;
        } else if (flag == "--secret-key") {
            s.server.secret_key = value;
        } else if (flag == "--latency-ms") {
            f.latency_ms = static_cast<long>(parse_integer(flag, value, 0, 600000));
        } else if (flag == "--error-rate") {
            f.server_error_rate = parse_rate(flag, value);
        } else if (flag == "--throttle-rate") {
            f.throttle_rate = parse_rate(flag, value);
        } else if (flag == "--truncate-rate") {
            f.truncate_rate = parse_rate(flag, value);
        } else if (flag == "--token-ttl") {
            f.token_ttl_seconds = static_cast<long>(parse_integer(flag, value, 0, 86400 * 365));
        } else if (flag == "--secret-key-file") {
            s.server.secret_key = read_secret_file(flag, value);
        } else if (flag == "--admin-token-file") {
            s.server.admin_token = read_secret_file(flag, value);
        } else if (flag == "--max-jobs") {
            s.server.max_jobs = static_cast<std::size_t>(parse_integer(flag, value, 0, 100000000));
        } else if (flag == "--threads") {
            s.server.threads = static_cast<unsigned>(parse_integer(flag, value, 1, 256));
        } else if (flag == "--max-connections") {
            s.server.max_connections = static_cast<unsigned>(parse_integer(flag, value, 1, 65536));
        } else if (flag == "--old-unfinished-rate") {
            g.old_unfinished_rate = parse_rate(flag, value);
        } else if (flag == "--token-reject-rate") {
            f.token_reject_rate = parse_rate(flag, value);
        } else if (flag == "--refused-job-ids") {
            f.refused_job_ids = parse_list(flag, value);
        } else if (flag == "--callback-url") {
            try {
                jobsync::emulator::parse_loopback_url(value);
            } catch (const std::invalid_argument& error) {
                throw UsageError(std::string("--callback-url: ") + error.what());
            }
            s.server.callback.url = value;
        } else if (flag == "--callback-format") {
            try {
                s.server.callback.format = jobsync::emulator::parse_callback_format(value);
            } catch (const std::invalid_argument& error) {
                throw UsageError(std::string("--callback-format: ") + error.what());
            }
        } else if (flag == "--callback-concurrency") {
            s.server.callback.concurrency =
                static_cast<unsigned>(parse_integer(flag, value, 1, 64));
        } else if (flag == "--port-file") {
            s.port_file = value;
        } else if (flag == "--security-token") {
            s.server.security_token = value;
        } else if (flag == "--clock-offset-seconds") {
            f.clock_offset_seconds =
                static_cast<long>(parse_integer(flag, value, -366L * 86400, 366L * 86400));
        } else if (flag == "--nonexist-style") {
            if (value != "joined" && value != "repeated") {
                throw UsageError("--nonexist-style needs joined or repeated, got '" + value + "'");
            }
            s.server.api.nonexist_style = value == "joined"
                                              ? jobsync::emulator::NonExistStyle::joined
                                              : jobsync::emulator::NonExistStyle::repeated;
        }
    }
    if (!s.load_dir.empty() && !s.jobs_given) {
        s.generator.count = 0;
    }
    s.server.generator = s.generator;
    s.server.api.region = s.generator.region;
    return s;
}

// Written beside the target and renamed, so a reader never sees half a file.
void write_port_file(const std::string& path, int port)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << "\n";
        if (!out.flush()) {
            throw std::runtime_error("cannot write " + temporary);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw std::runtime_error("cannot rename " + temporary + " to " + path);
    }
}

int run(const Settings& settings)
{
    // Blocked in every thread (the server's inherit this mask); main waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Dataset dataset;
    if (!settings.load_dir.empty()) {
        jobsync::emulator::load_directory(dataset, settings.load_dir);
    }
    const std::size_t total = dataset.size() + settings.generator.count;
    if (total > settings.server.max_jobs) {
        throw std::runtime_error(std::to_string(total) + " jobs are more than --max-jobs " +
                                 std::to_string(settings.server.max_jobs));
    }
    for (auto& job : jobsync::emulator::generate_jobs(settings.generator)) {
        dataset.add(std::move(job));
    }
    EmulatorServer server(dataset, settings.server);
    server.start();
    std::printf("ci-emulator listening on %s with %zu jobs\n", server.endpoint().c_str(),
                dataset.size());
    std::fflush(stdout);
    // After the ready line, so a script that waits for the file also sees the line.
    if (!settings.port_file.empty()) {
        write_port_file(settings.port_file, server.port());
    }

    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    jobsync::disable_core_dumps();
    Settings settings;
    try {
        settings = parse_arguments(argc, argv);
    } catch (const UsageError& error) {
        std::fprintf(stderr, "ci-emulator: %s\n%s", error.what(), kUsage);
        return 2;
    }
    try {
        return run(settings);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ci-emulator: %s\n", error.what());
        return 1;
    }
}
