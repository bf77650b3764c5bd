// `listen`: callbacks from CI over loopback land in the database through the
// inbox, fetched by id from the emulator; refusals get their 4xx; what was
// acknowledged survives a SIGKILL.
#include "jobsync/core/api_time.hpp"
#include "jobsync/listen/listener.hpp"
#include "support/callback_support.hpp"
#include "support/dataset_assertions.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "listen-token-for-tests-0123456789";
const std::vector<std::string> kTags{"Transcode", "Snapshot"};

struct Listener {
    Listener(const TempDatabase& db, const EmulatorFixture& emulator, long max_body = 65536)
        : port(free_loopback_port())
    {
        ConfigSpec spec = spec_for(emulator);
        spec.sync_extra = "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) +
                          "\"\ntoken = \"" + kToken +
                          "\"\nmax_body_bytes = " + std::to_string(max_body) + "\n";
        config = load_test_config(db, spec, &config_path);
        thread = std::thread([this] { exit_code = jobsync::run_listen(config, &stop); });
        wait_until_healthy();
    }
    ~Listener()
    {
        stop = true;
        thread.join();
    }
    void wait_until_healthy() const { ::testing::wait_until_healthy(base()); }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::string notify_url() const { return base() + "/ci/notify?token=" + kToken; }

    int port;
    std::string config_path;
    jobsync::Config config;
    std::atomic<bool> stop{false};
    int exit_code = -1;
    std::thread thread;
};

std::string task_finish_json(const std::string& job_id, const std::string& bucket)
{
    return R"({"EventName":"TaskFinish","JobsDetail":[{"JobId":")" + job_id +
           R"(","State":"Success","Input":{"BucketId":")" + bucket + R"("}}]})";
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.at(std::min(values.size() - 1, std::size_t(p * double(values.size()))));
}

} // namespace

TEST_CASE("listen: callbacks at 50/s in XML and JSON land within 3 s, batched")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(150, 91, kTags));
    Listener listener(db, emulator);
    emulator.server->reset_stats();

    const std::vector<jobsync::emulator::JobSpec> jobs = emulator.dataset.specs();
    std::mutex sent_mutex; // sent is written here and read by the watcher
    std::map<std::string, Clock::time_point> sent;
    std::map<std::string, double> latency;
    std::atomic<bool> sending{true};
    // Polls the table to see when each job's row appears.
    const auto start = Clock::now();
    std::thread watcher([&] {
        auto conn = db.connect();
        while (sending || latency.size() < jobs.size()) {
            pqxx::work txn(*conn);
            const pqxx::result rows = txn.exec("SELECT job_id FROM jobs");
            txn.commit();
            const auto now = Clock::now();
            for (const pqxx::row& row : rows) {
                const std::string id = row[0].as<std::string>();
                const std::lock_guard<std::mutex> lock(sent_mutex);
                if (latency.count(id) == 0) {
                    latency[id] = std::chrono::duration<double>(now - sent.at(id)).count();
                }
            }
            if (!sending && Clock::now() - start > std::chrono::seconds(40)) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    std::size_t index = 0;
    for (const auto& job : jobs) {
        std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * index));
        const bool json = index++ % 2 == 1;
        {
            const std::lock_guard<std::mutex> lock(sent_mutex);
            sent[job.job_id] = Clock::now();
        }
        const HttpAnswer answer =
            json ? http_request("POST", listener.notify_url(),
                                task_finish_json(job.job_id, emulator.generator.bucket),
                                "application/json")
                 : http_request("POST", listener.notify_url(),
                                task_finish_xml(job.job_id, emulator.generator.bucket));
        REQUIRE(answer.status == 200);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    sending = false;
    watcher.join();
    REQUIRE(latency.size() == jobs.size());
    std::vector<double> values;
    for (const auto& [id, value] : latency) {
        values.push_back(value);
    }
    const double p50 = percentile(values, 0.50), p95 = percentile(values, 0.95);
    std::printf("listen: %zu callbacks in %.2f s (%.1f/s); callback-to-row p50 %.3f s, p95 %.3f "
                "s; %ld by-id requests\n",
                jobs.size(), seconds, double(jobs.size()) / seconds, p50, p95,
                emulator.server->stats().jobs_requests);
    CHECK(p95 <= 3.0);
    CHECK(emulator.server->stats().jobs_requests * 2 <= long(jobs.size()));
    CHECK(eventually(db, "SELECT count(*) FROM inbox", "0"));
    require_same_as_dataset(db, emulator, kTags);
}

TEST_CASE("listen: jobs finishing after a sync get their final state; forged and unknown "
          "callbacks write nothing of theirs")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(400, 92, kTags));
    Listener listener(db, emulator);
    sync_once(listener.config);
    std::vector<std::string> unfinished;
    for (const auto& job : emulator.dataset.specs()) {
        if (job.state == "Submitted" || job.state == "Running") {
            unfinished.push_back(job.job_id);
        }
    }
    REQUIRE(!unfinished.empty());
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds());
    for (const std::string& id : unfinished) {
        REQUIRE(http_request("POST", listener.notify_url(),
                             task_finish_xml(id, emulator.generator.bucket))
                    .status == 200);
    }
    // A forged callback: another state, a made-up MD5. Only the service's view is written.
    const std::string victim = emulator.dataset.specs().front().job_id;
    const std::string forged =
        "<Response><EventName>TaskFinish</EventName><JobsDetail><Code>Forged</Code><JobId>" +
        victim +
        "</JobId><State>Failed</State><Operation><MediaResult><OutputFile><Md5Info><Md5>"
        "00000000000000000000000000000000</Md5></Md5Info></OutputFile></MediaResult>"
        "</Operation></JobsDetail></Response>";
    REQUIRE(http_request("POST", listener.notify_url(), forged).status == 200);
    // A job the service does not know: dropped, no row.
    REQUIRE(http_request("POST", listener.notify_url(),
                         task_finish_json("jnotaknownjob0000000000000000000", ""),
                         "application/json")
                .status == 200);
    REQUIRE(eventually(db, "SELECT count(*) FROM inbox", "0"));
    CHECK(
        db.scalar("SELECT count(*) FROM jobs WHERE job_id = 'jnotaknownjob0000000000000000000'") ==
        "0");
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state IN ('Submitted', 'Running')") == "0");
    require_same_as_dataset(db, emulator, kTags);
    const HttpAnswer metrics = http_request("GET", listener.base() + "/metrics");
    CHECK(metrics.status == 200);
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_ids_unknown_total 1"));
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_inbox_depth 0"));
}

TEST_CASE("listen: refusals get their 4xx and the listener keeps serving")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(20, 93, kTags));
    Listener listener(db, emulator, 4096);
    const std::string id = emulator.dataset.specs().front().job_id;
    const std::string bucket = emulator.generator.bucket;
    const std::string good = task_finish_xml(id, bucket);
    const std::string path = listener.base() + "/ci/notify";

    CHECK(http_request("POST", path, good).status == 403);
    CHECK(http_request("POST", path + "?token=wrong-token-0123456789", good).status == 403);
    CHECK(http_request("POST", path + "?token=" + kToken.substr(1), good).status == 403);
    CHECK(http_request("POST", listener.base() + "/other?token=" + kToken, good).status == 404);
    CHECK(http_request("GET", listener.notify_url()).status == 405);
    CHECK(http_request("POST", listener.notify_url(), "<Response><EventName>").status == 400);
    CHECK(http_request("POST", listener.notify_url(), "{\"EventName\":\"TaskFinish\"}",
                       "application/json")
              .status == 400);
    const HttpAnswer unknown_bucket =
        http_request("POST", listener.notify_url(), task_finish_xml(id, "otherbucket-125"));
    CHECK(unknown_bucket.status == 400);
    CHECK_THAT(unknown_bucket.body, Catch::Contains("otherbucket-125"));
    CHECK(http_request("POST", listener.notify_url(), std::string(5000, ' ') + good).status == 413);
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(http_request("GET", listener.base() + "/healthz").status == 200);

    REQUIRE(http_request("POST", listener.notify_url(), good).status == 200);
    CHECK(eventually(db, "SELECT count(*) FROM jobs WHERE job_id = '" + id + "'", "1"));
    const HttpAnswer metrics = http_request("GET", listener.base() + "/metrics");
    CHECK_THAT(metrics.body,
               Catch::Contains("ci_jobsync_listen_callbacks_refused_total{reason=\"token\"} 3"));
    CHECK_THAT(
        metrics.body,
        Catch::Contains("ci_jobsync_listen_callbacks_refused_total{reason=\"too_large\"} 1"));
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_callbacks_accepted_total 1"));
}

TEST_CASE("listen: acknowledged callbacks survive a SIGKILL and land on the next sync; "
          "SIGTERM exits 0")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(60, 94, kTags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"}; // the sync itself never lists the Snapshot jobs
    const int port = free_loopback_port();
    spec.sync_extra =
        "max_attempts = 1\n\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const std::map<std::string, std::string> env{{"CI_JOBSYNC_LISTEN_TOKEN", kToken}};
    const auto wait_healthy = [&] { wait_until_healthy(base); };

    // Every by-id fetch fails, so nothing leaves the inbox before the kill.
    jobsync::emulator::FaultOptions failing;
    failing.server_error_rate = 1.0;
    emulator.server->set_faults(failing);
    std::set<std::string> snapshots;
    {
        ChildProcess listen(JOBSYNC_BINARY, {"--config", config_path, "listen"}, env);
        wait_healthy();
        for (const auto& job : emulator.dataset.specs()) {
            if (job.tag == "Snapshot") {
                REQUIRE(http_request("POST", base + "/ci/notify?token=" + kToken,
                                     task_finish_xml(job.job_id, emulator.generator.bucket))
                            .status == 200);
                snapshots.insert(job.job_id);
            }
        }
        listen.send_signal(SIGKILL);
        CHECK(listen.wait().exit_code == 128 + SIGKILL);
    }
    REQUIRE(!snapshots.empty());
    CHECK(db.scalar("SELECT count(*) FROM inbox") == std::to_string(snapshots.size()));
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE tag = 'Snapshot'") == "0");
    const ProcessResult status = run_jobsync({"--config", config_path, "status"});
    CHECK_THAT(status.output,
               Catch::Contains("INBOX (callbacks, `listen`): " + std::to_string(snapshots.size()) +
                               " job ids waiting"));
    CHECK_THAT(status.output,
               Catch::Contains("s ago; newest push ") && !Catch::Contains("newest push never"));

    emulator.server->set_faults({});
    const ProcessResult sync = run_jobsync({"--config", config_path, "sync"});
    INFO(sync.output);
    CHECK(sync.exit_code == 0);
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE tag = 'Snapshot'") ==
          std::to_string(snapshots.size()));

    ChildProcess listen(JOBSYNC_BINARY, {"--config", config_path, "listen"}, env);
    wait_healthy();
    REQUIRE(http_request("GET", base + "/healthz").status == 200);
    listen.send_signal(SIGTERM);
    const ProcessResult stopped = listen.wait();
    INFO(stopped.output);
    CHECK(stopped.exit_code == 0);
    CHECK(stopped.output.find(kToken) == std::string::npos);
    CHECK(stopped.output.find(kTestSecretKey) == std::string::npos);
}
