// Rounds: `sync` processes (the real binary) started together on one database
// share one round, walking each of 20 partitions once; a worker that dies
// while holding a partition loses it to another; a `sync` after the round
// closed walks every partition again; the request budget holds for the fleet.
#include "support/dataset_assertions.hpp"
#include "support/dataset_comparison.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

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

const std::vector<std::string> kTags{"Transcode", "Snapshot", "Animation", "MediaInfo", "Concat"};
const std::vector<std::string> kQueues{
    "p2242ab62c7c94486915508540933a2c6", "p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e",
    "p0a1b2c3d4e5f60718293a4b5c6d7e8f9", "p9f8e7d6c5b4a39281706f5e4d3c2b1a0"};
constexpr long kJobs = 2000;

jobsync::emulator::GeneratorOptions twenty_partitions(long jobs = kJobs)
{
    jobsync::emulator::GeneratorOptions generator;
    generator.seed = 29;
    generator.count = static_cast<std::size_t>(jobs);
    generator.tags = kTags;
    generator.queues = kQueues;
    return generator;
}

jobsync::emulator::FaultOptions latency(long ms)
{
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = ms; // keeps walks long enough for the workers to overlap
    return faults;
}

// A migrated, empty database and a config for the emulator; returns its path.
std::string prepare(TempDatabase& db, const EmulatorFixture& emulator,
                    const std::string& sync_extra = "")
{
    db.truncate_all();
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = kTags;
    spec.queues = kQueues;
    spec.sync_extra = "page_size = 25\n" + sync_extra;
    std::string config_path;
    load_test_config(db, spec, &config_path);
    REQUIRE(run_jobsync({"--config", config_path, "migrate"}).exit_code == 0);
    return config_path;
}

// Starts `count` syncs at once and waits for them all; each must exit 0.
void sync_together(const std::string& config_path, int count)
{
    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int i = 0; i < count; ++i) {
        workers.push_back(std::make_unique<ChildProcess>(
            JOBSYNC_BINARY, std::vector<std::string>{"--config", config_path, "sync"}));
    }
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

// Every job stored once, and the round that ran is closed with all 20
// partitions done, each claimed (walked) by exactly one worker.
void require_one_round_walked_once(TempDatabase& db, const EmulatorFixture& emulator,
                                   long jobs = kJobs)
{
    require_same_as_dataset(db, emulator);
    CHECK(db.count("jobs") == jobs);
    CHECK(db.scalar("SELECT sum(jobs_inserted) FROM sync_runs") == std::to_string(jobs));
    CHECK(db.scalar("SELECT count(DISTINCT round_id) FROM sync_runs") == "1");
    CHECK(db.scalar("SELECT status FROM sync_rounds") == "done");
    // Each partition has its plan unit; each plan a unit per time slice.
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'plan' AND state = 'done'") ==
          "20");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'plan'") == "20");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE state <> 'done'") == "0");
    CHECK(db.scalar("SELECT sum(takeovers) FROM sync_claims") == "0");
    // No partition walked by two runs: each partition's pages were counted once.
    CHECK(db.scalar("SELECT sum(partitions_skipped) FROM sync_runs") == "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_workers") == "0");
}

} // namespace

TEST_CASE("rounds: two and three syncs started together walk each partition once")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(twenty_partitions(), latency(10));

    const std::string config_path = prepare(db, emulator);
    emulator.server->reset_stats();
    sync_together(config_path, 1);
    const long alone = jobs_requests(emulator);
    require_one_round_walked_once(db, emulator);

    for (const int workers : {2, 3}) {
        INFO(workers << " workers");
        prepare(db, emulator);
        emulator.server->reset_stats();
        sync_together(config_path, workers);
        require_one_round_walked_once(db, emulator);
        CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'ok'") ==
              std::to_string(workers));
        // The workers shared the round's claims: more than one walked.
        CHECK(std::stoi(db.scalar("SELECT count(DISTINCT claimed_by) FROM sync_claims")) > 1);
        // Total requests within 10% of one worker alone (without rounds,
        // every worker walked every partition).
        const long together = jobs_requests(emulator);
        INFO("alone " << alone << ", together " << together);
        CHECK(together * 10 <= alone * 11);
        CHECK(db.scalar("SELECT sum(requests) FROM sync_runs") == std::to_string(together));
    }
}

TEST_CASE("rounds: a sync after the round closed walks every partition again")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(twenty_partitions());
    const std::string config_path = prepare(db, emulator);
    sync_together(config_path, 1);
    emulator.server->reset_stats();
    sync_together(config_path, 1);
    CHECK(db.scalar("SELECT count(*) FROM sync_rounds WHERE status = 'done'") == "2");
    CHECK(db.scalar("SELECT count(DISTINCT round_id) FROM sync_runs") == "2");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims c JOIN sync_runs r USING (round_id) "
                    "WHERE r.run_id = (SELECT max(run_id) FROM sync_runs) AND c.state = 'done' "
                    "AND c.kind = 'plan'") == "20");
    // Every partition asked the service again (at least one page each).
    CHECK(jobs_requests(emulator) >= 20);
    CHECK(std::stol(db.scalar("SELECT pages FROM sync_runs ORDER BY run_id DESC LIMIT 1")) >= 20);
}

TEST_CASE("rounds: a worker SIGKILLed while walking loses its partition to another")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(twenty_partitions(), latency(20));
    const std::string config_path = prepare(db, emulator, "lease = \"2s\"\n");

    ChildProcess doomed(JOBSYNC_BINARY, {"--config", config_path, "sync"});
    ChildProcess survivor(JOBSYNC_BINARY, {"--config", config_path, "sync"});
    // Killed once it has committed pages of a walk it holds.
    const std::string holds_a_walk =
        "SELECT count(*) FROM sync_claims c JOIN sync_workers w ON w.worker_id = c.claimed_by "
        "JOIN sync_slices s ON s.plan_id = c.plan_id AND s.slice = c.slice "
        "WHERE c.kind = 'slice' AND c.state = 'walking' AND s.pages > 0 AND w.pid = " +
        std::to_string(doomed.pid());
    // ... and once both are in the round: a survivor slow to start (a loaded
    // machine) would otherwise find the round abandoned and open another.
    const std::string both_joined = "SELECT count(*) FROM sync_workers WHERE pid IN (" +
                                    std::to_string(doomed.pid()) + ", " +
                                    std::to_string(survivor.pid()) + ")";
    testing::wait_until(
        [&] { return db.scalar(holds_a_walk) != "0" && db.scalar(both_joined) == "2"; },
        std::chrono::minutes(2), "both workers in the round, the doomed one with pages committed",
        std::chrono::milliseconds(10));
    REQUIRE(db.scalar(holds_a_walk) != "0");
    REQUIRE(db.scalar(both_joined) == "2");
    doomed.send_signal(SIGKILL);
    CHECK(doomed.wait().exit_code == 128 + SIGKILL);
    const ProcessResult result = survivor.wait();
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(result.output.find("taking over a unit whose worker is gone") != std::string::npos);

    // One round, finished by the survivor: the killed worker's walks were
    // taken over and resumed from their checkpoints; nothing lost or twice.
    require_same_as_dataset(db, emulator);
    CHECK(db.count("jobs") == kJobs);
    CHECK(db.scalar("SELECT count(*) FROM sync_rounds") == "1");
    CHECK(db.scalar("SELECT status FROM sync_rounds") == "done");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'plan' AND state = 'done'") ==
          "20");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE state <> 'done'") == "0");
    CHECK(std::stoi(db.scalar("SELECT sum(takeovers) FROM sync_claims")) >= 1);
    CHECK(db.scalar("SELECT count(*) FROM sync_claims c JOIN sync_runs r "
                    "ON r.worker_id = c.claimed_by WHERE c.takeovers > 0 AND r.status = 'ok'") ==
          db.scalar("SELECT count(*) FROM sync_claims WHERE takeovers > 0"));
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_status = 'ok' "
                    "AND walk_window_end IS NULL") == "20");
}

TEST_CASE("rounds: a walk whose worker went silent is taken over when its lease expires")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(twenty_partitions());
    const std::string config_path = prepare(db, emulator, "lease = \"2s\"\n");

    // A silent worker: its session is alive (it holds its presence lock),
    // but it renews nothing. It holds one partition's walk, 2 s of lease
    // (its presence lasts longer, so the round is not abandoned).
    auto silent = db.connect();
    const std::string silent_id = "silent-host:1:feed";
    {
        pqxx::work txn(*silent);
        const std::string round =
            txn.exec1("INSERT INTO sync_rounds (partitions) VALUES (20) RETURNING round_id")[0]
                .as<std::string>();
        txn.exec(
            "INSERT INTO sync_workers (worker_id, round_id, host, pid, lease_until) VALUES ('" +
            silent_id + "', " + round + ", 'silent-host', 1, now() + interval '60 seconds')");
        txn.exec("INSERT INTO sync_claims (round_id, bucket, tag, queue_id, state, claimed_by, "
                 "lease_until, started_at) VALUES (" +
                 round + ", 'examplebucket-1250000000', 'Transcode', '" + kQueues[0] +
                 "', 'walking', '" + silent_id + "', now() + interval '2 seconds', now())");
        txn.exec("SELECT pg_advisory_lock(hashtextextended('ci-jobsync:" + db.schema() +
                 ":worker:" + silent_id + "', 0))");
        txn.commit();
    }
    // status shows the round and who holds what.
    const ProcessResult status = run_jobsync({"--config", config_path, "status", "--json"});
    const nlohmann::json report = nlohmann::json::parse(status.output);
    CHECK(report["round"]["walking"] == 1);
    CHECK(report["round"]["todo"] == 0);
    CHECK(report["round"]["workers"][0]["worker_id"] == silent_id);
    long held = 0;
    for (const auto& partition : report["partitions"]) {
        if (!partition["held_by"].is_null()) {
            ++held;
            CHECK(partition["held_by"] == silent_id);
            CHECK(partition["partition"] == "examplebucket-1250000000/Transcode/" + kQueues[0]);
        }
    }
    CHECK(held == 1);
    const ProcessResult table = run_jobsync({"--config", config_path, "status"});
    CHECK_THAT(table.output, Catch::Contains("HELD BY") && Catch::Contains(silent_id + " (lease") &&
                                 Catch::Contains("ROUND "));

    const ProcessResult result = run_jobsync({"--config", config_path, "sync"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);

    // The sync joined the silent worker's round, walked the other 19, waited,
    // and took the 20th over only once its lease had run out.
    require_same_as_dataset(db, emulator);
    CHECK(db.scalar("SELECT count(*) FROM sync_rounds") == "1");
    CHECK(db.scalar("SELECT status FROM sync_rounds") == "done");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'plan' AND state = 'done'") ==
          "20");
    CHECK(db.scalar("SELECT takeovers FROM sync_claims WHERE kind = 'plan' AND claimed_by <> '" +
                    silent_id + "' AND tag = 'Transcode' AND queue_id = '" + kQueues[0] + "'") ==
          "1");
    CHECK(db.scalar("SELECT count(*) FROM sync_claims c, sync_rounds r WHERE c.takeovers = 1 "
                    "AND c.started_at >= r.opened_at + interval '2 seconds'") == "1");
}

TEST_CASE("rounds: max_requests_per_second holds across the workers of one database")
{
    TempDatabase& db = shared_database();
    constexpr long kMoreJobs = 4000; // enough requests for the rate to show
    EmulatorFixture emulator(twenty_partitions(kMoreJobs));
    constexpr double kRate = 20;
    const std::string config_path =
        prepare(db, emulator, "lease = \"3s\"\nmax_requests_per_second = 20\n");
    emulator.server->reset_stats();
    const auto started = std::chrono::steady_clock::now();
    sync_together(config_path, 2);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    require_one_round_walked_once(db, emulator, kMoreJobs);
    const long requests = jobs_requests(emulator);
    // Each worker starts with a full bucket (20) and the first one's share
    // shrinks only at its next heartbeat (1 s): at most 60 requests beyond
    // the rate. Two workers each taking the whole budget would need about
    // half this time.
    INFO("requests " << requests << " in " << seconds << " s");
    REQUIRE(requests > 100);
    CHECK(seconds >= (static_cast<double>(requests) - 60) / kRate);
}
