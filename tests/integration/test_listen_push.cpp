// The whole push path over loopback: the emulator calls back `ci-jobsync
// listen` (a child process) when jobs finish after a sync, as CI does for a
// queue's NotifyConfig, at 50 callbacks/s in XML and in JSON; the rows get the
// jobs' final state, outputs and MD5s (finish-to-row p50 and p95 printed;
// scripts/bench_listen.sh holds the latency target), by-id requests are
// batched, and SIGTERM exits 0.
#include "jobsync/core/api_time.hpp"
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
#include <thread>

using namespace testing;
using jobsync::emulator::CallbackFormat;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "push-listen-token-for-tests-5a9e01";
const std::vector<std::string> kTags{"Transcode", "Snapshot"};

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.at(std::min(values.size() - 1, std::size_t(p * double(values.size()))));
}

// Polls the jobs table and notes when each watched job's row first shows a
// finished state, until every one has or `seconds` pass.
class FinishWatcher {
public:
    FinishWatcher(TempDatabase& db, std::size_t expected) : db_(db), expected_(expected)
    {
        thread_ = std::thread([this] { watch(); });
    }
    ~FinishWatcher() { join(); }
    void finished_at_source(const std::string& job_id)
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        sent_[job_id] = Clock::now();
    }
    std::map<std::string, double> join()
    {
        if (thread_.joinable()) {
            thread_.join();
        }
        return latency_;
    }

private:
    void watch()
    {
        auto conn = db_.connect();
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (latency_.size() < expected_ && Clock::now() < deadline) {
            pqxx::work txn(*conn);
            const pqxx::result rows =
                txn.exec("SELECT job_id FROM jobs WHERE state IN ('Success', 'Failed')");
            txn.commit();
            const auto now = Clock::now();
            const std::lock_guard<std::mutex> lock(mutex_);
            for (const pqxx::row& row : rows) {
                const std::string id = row[0].as<std::string>();
                const auto sent = sent_.find(id);
                if (sent != sent_.end() && latency_.count(id) == 0) {
                    latency_[id] = std::chrono::duration<double>(now - sent->second).count();
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    TempDatabase& db_;
    const std::size_t expected_;
    std::mutex mutex_;
    std::map<std::string, Clock::time_point> sent_; // when the emulator finished the job
    std::map<std::string, double> latency_;
    std::thread thread_;
};

} // namespace

TEST_CASE("push: jobs finishing after a sync reach their final rows from the emulator's "
          "callbacks at 50/s, XML and JSON, every job written, batched; SIGTERM exits 0")
{
    TempDatabase& db = shared_database();
    for (const CallbackFormat format : {CallbackFormat::xml, CallbackFormat::json}) {
        const char* const format_name = format == CallbackFormat::xml ? "xml" : "json";
        INFO("callback format " << format_name);
        db.truncate_all();
        const int port = free_loopback_port();
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        jobsync::emulator::GeneratorOptions generator = generated_jobs(300, 95, kTags);
        generator.old_unfinished_rate = 0.5; // paused jobs, for the sync to see unfinished
        jobsync::emulator::CallbackOptions callback;
        callback.url = base + "/ci/notify?token=" + kToken;
        callback.format = format;
        EmulatorFixture emulator(generator, {}, callback);

        ConfigSpec spec = spec_for(emulator);
        spec.sync_extra = "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
        std::string config_path;
        const jobsync::Config config = load_test_config(db, spec, &config_path);
        sync_once(config);
        std::vector<std::string> unfinished;
        for (const auto& job : emulator.dataset.specs()) {
            if (job.state == "Pause" || job.state == "Running" || job.state == "Submitted") {
                unfinished.push_back(job.job_id);
            }
        }
        REQUIRE(unfinished.size() >= 100);
        REQUIRE(db.scalar("SELECT count(*) FROM jobs WHERE state IN ('Success', 'Failed')") ==
                std::to_string(emulator.dataset.specs().size() - unfinished.size()));

        ChildProcess listen(JOBSYNC_BINARY, {"--config", config_path, "listen"},
                            {{"CI_JOBSYNC_LISTEN_TOKEN", kToken}});
        wait_until_healthy(base);
        REQUIRE(http_request("GET", base + "/healthz").status == 200);
        emulator.server->reset_stats();

        // Each job finishes at the source 20 ms after the last: 50 callbacks/s.
        FinishWatcher watcher(db, unfinished.size());
        const auto start = Clock::now();
        for (std::size_t i = 0; i < unfinished.size(); ++i) {
            std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * i));
            watcher.finished_at_source(unfinished[i]);
            REQUIRE(emulator.dataset.finish_jobs({unfinished[i]}, jobsync::now_unix_seconds()) ==
                    1);
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const std::map<std::string, double> latency = watcher.join();
        CHECK(latency.size() == unfinished.size());
        std::vector<double> values;
        for (const auto& entry : latency) {
            values.push_back(entry.second);
        }
        REQUIRE(!values.empty());
        const jobsync::emulator::ServerStats stats = emulator.server->stats();
        const double p50 = percentile(values, 0.50), p95 = percentile(values, 0.95);
        std::printf("push (%s): %zu callbacks in %.2f s (%.1f/s); finish-to-row p50 %.3f s, p95 "
                    "%.3f s; %ld by-id requests; %ld sent, %ld failed\n",
                    format_name, unfinished.size(), seconds, double(unfinished.size()) / seconds,
                    p50, p95, stats.jobs_requests, stats.callbacks.sent, stats.callbacks.failed);
        // No bound on p95 here (a loaded machine makes a test slower, never
        // wrong): scripts/bench_listen.sh measures the latency target.
        CHECK(stats.callbacks.sent == long(unfinished.size()));
        CHECK(stats.callbacks.failed == 0);
        CHECK(stats.jobs_requests * 2 <= long(unfinished.size()));
        CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
        CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state IN ('Pause', 'Running', "
                        "'Submitted')") == "0");
        // Final state, outputs and MD5s: the rows are the service's view, field by field.
        require_same_as_dataset(db, emulator, kTags);

        listen.send_signal(SIGTERM);
        const ProcessResult stopped = listen.wait();
        INFO(stopped.output);
        CHECK(stopped.exit_code == 0);
        CHECK(stopped.output.find(kToken) == std::string::npos);
        CHECK(stopped.output.find(kTestSecretKey) == std::string::npos);
    }
}
