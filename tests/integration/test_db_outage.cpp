// PostgreSQL going away and coming back, and sessions of others holding
// locks: a `sync` rides the outage out or stops with exit 1 naming host and
// port (never a signal), a run whose process died is closed as abandoned by
// the next one, `listen` answers 503 while the database is away and takes
// callbacks again after, and a page waiting for a lock says whose it is.
// Outages stop a cluster of the test's own (ThrowawayCluster), never the
// suite's shared one.
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/raw_http.hpp"
#include "support/sync_fixture.hpp"
#include "support/throwaway_cluster.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

using namespace testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kTags{"Transcode", "Animation"};
const std::string kToken = "outage-listen-token-0123456789";

// Environment of the children whose server is stopped under them (see the file).
const std::map<std::string, std::string> kOutageEnv{
    {"LSAN_OPTIONS",
     "suppressions=" + std::string(TEST_DATA_DIR) + "/lsan_libpqxx.supp:print_suppressions=0"}};

bool wait_until(const std::function<bool()>& done, int seconds)
{
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

// The config of spec_for(emulator) with database.url replaced and extra
// [database] lines.
std::string config_file(const TempDatabase& shared, const ConfigSpec& spec, const std::string& url,
                        const std::string& database_extra = "")
{
    std::string text = config_text(shared, spec);
    const std::string url_line = "url = \"" + shared.url() + "\"\n";
    text.replace(text.find(url_line), url_line.size(), "url = \"" + url + "\"\n" + database_extra);
    return write_temp_file(text);
}

// Neither a signal nor a sanitizer report: the process ended by itself.
void check_no_crash(const ProcessResult& run)
{
    CHECK(run.exit_code < 128);
    CHECK(run.output.find("AddressSanitizer") == std::string::npos);
    CHECK(run.output.find("runtime error") == std::string::npos);
}

bool has_error_line_naming(const std::string& output, const std::string& target)
{
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find("level=error") != std::string::npos &&
            line.find(target) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string callback_request(const std::string& job_id, const std::string& bucket)
{
    const std::string body =
        "<Response><EventName>TaskFinish</EventName><JobsDetail><Code>Success</Code><JobId>" +
        job_id + "</JobId><State>Success</State><Input><BucketId>" + bucket +
        "</BucketId></Input></JobsDetail></Response>";
    return "POST /ci/notify?token=" + kToken +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace

TEST_CASE("db outage: PostgreSQL stopped 10 s under a slow sync: the run completes or exits 1 "
          "naming host:port, never a signal; the next run leaves no row running")
{
    ThrowawayCluster cluster;
    const std::string url = cluster.create_database("outage_sync");
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = 300;
    EmulatorFixture emulator(generated_jobs(600, 41, kTags), faults);
    const std::string path = config_file(
        shared_database(),
        [&] {
            ConfigSpec spec = spec_for(emulator);
            spec.sync_extra = "page_size = 5\n";
            return spec;
        }(),
        url);

    ChildProcess sync(JOBSYNC_BINARY, {"--config", path, "sync"}, kOutageEnv);
    REQUIRE(wait_until(
        [&] { return cluster.scalar("outage_sync", "SELECT count(*) FROM ci.jobs") != "0"; }, 120));
    cluster.stop();
    std::this_thread::sleep_for(std::chrono::seconds(10)); // the outage
    cluster.start();
    const ProcessResult run = sync.wait();
    INFO(run.output);
    check_no_crash(run);
    CHECK((run.exit_code == 0 || run.exit_code == 1));
    if (run.exit_code == 1) {
        CHECK(has_error_line_naming(run.output,
                                    "host=127.0.0.1 port=" + std::to_string(cluster.port())));
    }
    CHECK(run.output.find("password") == std::string::npos);

    emulator.server->set_faults({});
    const ProcessResult again = run_jobsync({"--config", path, "sync"});
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(cluster.scalar("outage_sync",
                         "SELECT count(*) FROM ci.sync_runs WHERE status = 'running'") == "0");
    CHECK(cluster.scalar("outage_sync", "SELECT count(*) FROM ci.jobs") == "600");
}

TEST_CASE("db outage: a later sync closes the row of a run whose process is gone as abandoned")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = 200;
    EmulatorFixture emulator(generated_jobs(300, 42, kTags), faults);
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "page_size = 5\n";
    std::string path;
    load_test_config(db, spec, &path);

    ChildProcess killed(JOBSYNC_BINARY, {"--config", path, "sync"});
    REQUIRE(wait_until([&] { return db.scalar("SELECT count(*) FROM jobs") != "0"; }, 120));
    killed.send_signal(SIGKILL);
    killed.wait();
    CHECK(db.scalar("SELECT status FROM sync_runs") == "running");
    // Its sessions end once PostgreSQL sees the sockets closed.
    REQUIRE(wait_until(
        [&] {
            return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                             "' AND application_name = 'ci-jobsync' AND pid <> "
                             "pg_backend_pid()") == "0";
        },
        60));

    emulator.server->set_faults({});
    const ProcessResult next = run_jobsync({"--config", path, "sync"});
    INFO(next.output);
    CHECK(next.exit_code == 0);
    CHECK(next.output.find("closed as abandoned") != std::string::npos);
    CHECK(db.scalar("SELECT string_agg(status, ',' ORDER BY run_id) FROM sync_runs") ==
          "abandoned,ok");
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE finished_at IS NULL") == "0");
    CHECK(db.scalar("SELECT errors FROM sync_runs ORDER BY run_id LIMIT 1") ==
          "the process ended without recording the end of the run");
    CHECK(db.count("jobs") == 300);
}

TEST_CASE("db outage: listen stays up through a 10 s outage, answers 503 with Retry-After, then "
          "records and writes callbacks again")
{
    ThrowawayCluster cluster;
    const std::string url = cluster.create_database("outage_listen");
    EmulatorFixture emulator(generated_jobs(20, 43, kTags));
    const int port = free_loopback_port();
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) +
                      "\"\ntoken = \"" + kToken + "\"\n";
    const std::string path = config_file(shared_database(), spec, url);
    const std::vector<jobsync::emulator::JobSpec> jobs = emulator.dataset.specs();
    const std::string bucket = spec.bucket;
    const auto stored = [&](const std::string& job_id) {
        return cluster.scalar("outage_listen", "SELECT count(*) FROM ci.jobs WHERE job_id = '" +
                                                   job_id + "'") == "1";
    };

    ChildProcess listen(JOBSYNC_BINARY, {"--config", path, "listen"}, kOutageEnv);
    REQUIRE(wait_until(
        [&] {
            return http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz")
                       .status == 200;
        },
        60));
    CHECK(round_trip(port, callback_request(jobs[0].job_id, bucket)).status == 200);
    REQUIRE(wait_until([&] { return stored(jobs[0].job_id); }, 60));

    cluster.stop();
    // Longer than a reconnect's retries: the old listener crashed about 6 s in.
    const auto outage_end = Clock::now() + std::chrono::seconds(10);
    int answers = 0;
    while (Clock::now() < outage_end) {
        REQUIRE(listen.running());
        const Reply reply = round_trip(port, callback_request(jobs[1].job_id, bucket));
        CHECK(reply.status == 503);
        CHECK(reply.header("retry-after") == "5");
        ++answers;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    CHECK(answers > 3);
    REQUIRE(listen.running());
    cluster.start();

    CHECK(wait_until(
        [&] { return round_trip(port, callback_request(jobs[1].job_id, bucket)).status == 200; },
        60));
    CHECK(wait_until([&] { return stored(jobs[1].job_id); }, 90));
    CHECK(listen.running());
    listen.send_signal(SIGTERM);
    const ProcessResult run = listen.wait();
    INFO(run.output);
    check_no_crash(run);
    CHECK(run.exit_code == 0);
}

TEST_CASE("db outage: a page waiting for a lock another session holds logs the holder's pid, "
          "then the sync finishes ok once it is released")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(100, 44, kTags));
    const std::string path =
        config_file(db, spec_for(emulator), db.url(), "lock_timeout = \"1s\"\n");

    // Every connection of the worker has the server-side timeouts (defaults here).
    CHECK(db.scalar("SHOW lock_timeout") == "10s");
    CHECK(db.scalar("SHOW idle_in_transaction_session_timeout") == "5min");

    auto holder = db.connect();
    pqxx::work hold(*holder);
    hold.exec("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE");
    const std::string pid = hold.exec1("SELECT pg_backend_pid()")[0].as<std::string>();

    ChildProcess sync(JOBSYNC_BINARY, {"--config", path, "sync"});
    const bool logged = wait_until(
        [&] {
            return sync.output_so_far().find("waiting for a lock held by pid " + pid) !=
                   std::string::npos;
        },
        120);
    hold.commit();
    CHECK(logged);
    const ProcessResult run = sync.wait();
    INFO(run.output);
    check_no_crash(run);
    CHECK(run.exit_code == 0);
    CHECK(db.scalar("SELECT status FROM sync_runs") == "ok");
    CHECK(db.count("jobs") == 100);
}
