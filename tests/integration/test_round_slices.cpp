// Time slices claimed like partitions: `sync` processes (the real binary)
// started together on one database share one big partition's slices, each
// slice walked by one worker, every job once, about the requests of one
// worker alone; a worker SIGKILLed while walking a slice loses it to another.
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace testing;

namespace {

// One partition of 3000 jobs, 150 pages of 20: dense enough to be split into
// two slices per thread (kSlicesPerThread) of each worker in the round, at
// sync.concurrency = 2 (the tests' configs).
constexpr long kJobs = 3000;
constexpr int kConcurrency = 2;
constexpr int kSlicesPerWorker = 2 * kConcurrency; // kSlicesPerThread per thread

jobsync::emulator::FaultOptions latency(long ms)
{
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = ms;
    return faults;
}

// A lease of 3 s: waiting workers look for new slice claims every second.
std::string prepare(TempDatabase& db, const EmulatorFixture& emulator,
                    const std::string& lease = "3s")
{
    db.truncate_all();
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    spec.sync_extra = "page_size = 20\nlease = \"" + lease + "\"\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);
    REQUIRE(run_jobsync({"--config", config_path, "migrate"}).exit_code == 0);
    return config_path;
}

std::vector<std::unique_ptr<ChildProcess>> start_workers(const std::string& config_path, int count)
{
    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int i = 0; i < count; ++i) {
        workers.push_back(std::make_unique<ChildProcess>(
            JOBSYNC_BINARY, std::vector<std::string>{"--config", config_path, "sync"}));
    }
    return workers;
}

bool wait_for(TempDatabase& db, const std::string& sql, const std::string& expected)
{
    for (int i = 0; i < 3000 && db.scalar(sql) != expected; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return db.scalar(sql) == expected;
}

// Starts the workers while the test holds off every write to
// sync_checkpoints: the first worker to claim the partition waits there,
// before its probe, until all of them are in the round, so it plans slices
// for every one (not a race against a slow machine's process start).
std::vector<std::unique_ptr<ChildProcess>>
start_in_one_round(TempDatabase& db, const std::string& config_path, int count)
{
    auto gate = db.connect();
    pqxx::work hold(*gate);
    hold.exec("LOCK TABLE sync_checkpoints IN SHARE MODE");
    auto workers = start_workers(config_path, count);
    REQUIRE(wait_for(db, "SELECT count(*) FROM sync_workers", std::to_string(count)));
    hold.commit();
    return workers;
}

void require_exit_0(std::vector<std::unique_ptr<ChildProcess>>& workers)
{
    for (auto& worker : workers) {
        const ProcessResult result = worker->wait();
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
    }
}

long jobs_requests(const EmulatorFixture& emulator)
{
    return emulator.server->stats().jobs_requests;
}

// Every job stored once and received once (a slice walked twice would
// receive its jobs twice); the round closed with its partition and each of
// its `slices` slice claims done, none taken over.
void require_walked_once(TempDatabase& db, const EmulatorFixture& emulator, int slices)
{
    require_same_as_dataset(db, emulator);
    CHECK(db.count("jobs") == kJobs);
    CHECK(db.scalar("SELECT sum(jobs) FROM sync_runs") == std::to_string(kJobs));
    CHECK(db.scalar("SELECT sum(jobs_inserted) FROM sync_runs") == std::to_string(kJobs));
    CHECK(db.scalar("SELECT sum(slices) FROM sync_runs") == std::to_string(slices));
    CHECK(db.scalar("SELECT count(DISTINCT round_id) FROM sync_runs") == "1");
    CHECK(db.scalar("SELECT status FROM sync_rounds") == "done");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'plan' AND state = 'done'") ==
          "1");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'slice' AND state = 'done'") ==
          std::to_string(slices));
    CHECK(db.scalar("SELECT count(*) FROM sync_claims") == std::to_string(slices + 1));
    CHECK(db.scalar("SELECT count(*) FROM sync_slices") == "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_status = 'ok' "
                    "AND walk_window_end IS NULL AND cursor IS NOT NULL") == "1");
    CHECK(db.scalar("SELECT count(*) FROM sync_workers") == "0");
}

} // namespace

TEST_CASE("round slices: two and three syncs started together share one big partition's slices")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(kJobs, 71, {"Transcode"}), latency(40));

    const std::string config_path = prepare(db, emulator);
    emulator.server->reset_stats();
    auto alone_worker = start_in_one_round(db, config_path, 1);
    require_exit_0(alone_worker);
    const long alone = jobs_requests(emulator);
    require_walked_once(db, emulator, kSlicesPerWorker);

    for (const int workers : {2, 3}) {
        INFO(workers << " workers");
        prepare(db, emulator);
        emulator.server->reset_stats();
        auto together_workers = start_in_one_round(db, config_path, workers);
        require_exit_0(together_workers);
        // Planned for every worker in the round: two slices per thread each.
        require_walked_once(db, emulator, kSlicesPerWorker * workers);
        CHECK(db.scalar("SELECT sum(takeovers) FROM sync_claims") == "0");
        // The split is real: slices were walked by more than one worker.
        CHECK(std::stoi(db.scalar(
                  "SELECT count(DISTINCT claimed_by) FROM sync_claims WHERE kind = 'slice'")) > 1);
        const long together = jobs_requests(emulator);
        INFO("alone " << alone << ", together " << together);
        CHECK(together * 10 <= alone * 11);
        CHECK(db.scalar("SELECT sum(requests) FROM sync_runs") == std::to_string(together));
    }
}

TEST_CASE("round slices: a worker SIGKILLed while walking a slice loses it to another")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(kJobs, 72, {"Transcode"}), latency(40));
    const std::string config_path = prepare(db, emulator, "2s");

    auto workers = start_in_one_round(db, config_path, 2);
    ChildProcess& doomed = *workers[0];
    // Killed once a slice it holds has committed pages.
    const std::string holds_a_slice =
        "SELECT count(*) FROM sync_claims c JOIN sync_workers w ON w.worker_id = c.claimed_by "
        "JOIN sync_slices s ON s.plan_id = c.plan_id AND s.slice = c.slice "
        "WHERE c.kind = 'slice' AND c.state = 'walking' AND s.pages > 0 "
        "AND s.done_at IS NULL AND w.pid = " +
        std::to_string(doomed.pid());
    for (int i = 0; i < 3000 && db.scalar(holds_a_slice) == "0"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(db.scalar(holds_a_slice) != "0");
    // status shows which worker holds which slice.
    const ProcessResult status = run_jobsync({"--config", config_path, "status", "--json"});
    REQUIRE(status.exit_code == 0);
    const nlohmann::json report = nlohmann::json::parse(status.output);
    REQUIRE(report["partitions"].size() == 1);
    const std::string doomed_id_part = ":" + std::to_string(doomed.pid()) + ":";
    bool doomed_shown = false;
    for (const auto& holder : report["partitions"][0]["slices_held_by"]) {
        CHECK(holder["slice"].get<int>() >= 0);
        CHECK(holder["slice"].get<int>() < 2 * kSlicesPerWorker);
        doomed_shown = doomed_shown || holder["held_by"].get<std::string>().find(doomed_id_part) !=
                                           std::string::npos;
    }
    CHECK(doomed_shown);
    doomed.send_signal(SIGKILL);
    CHECK(doomed.wait().exit_code == 128 + SIGKILL);
    const ProcessResult result = workers[1]->wait();
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("taking over a unit whose worker is gone") != std::string::npos);

    // One round, finished by the survivor: the slice resumed from its
    // checkpoint, and if the killed worker was the planner, its partition
    // too; nothing lost or stored twice.
    require_same_as_dataset(db, emulator);
    CHECK(db.count("jobs") == kJobs);
    CHECK(db.scalar("SELECT count(*) FROM sync_rounds") == "1");
    CHECK(db.scalar("SELECT status FROM sync_rounds") == "done");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE state <> 'done'") == "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'slice'") ==
          std::to_string(2 * kSlicesPerWorker));
    CHECK(std::stoi(db.scalar("SELECT sum(takeovers) FROM sync_claims WHERE kind = 'slice'")) >= 1);
    CHECK(db.scalar("SELECT count(*) FROM sync_slices") == "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_status = 'ok' "
                    "AND walk_window_end IS NULL AND cursor IS NOT NULL") == "1");
}
