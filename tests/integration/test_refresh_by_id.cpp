// Refresh by id: unfinished jobs older than the lookback are refreshed with
// GET /jobs/<ids> when that costs fewer requests than re-walking to them, a
// job the service forgot keeps its row with vanished_at, faults are retried
// and a kill during the refresh converges on the next run.
#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

using namespace testing;
using jobsync::emulator::FaultOptions;
using jobsync::emulator::GeneratorOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot"};

// `count` jobs over `days` days of history ending an hour ago, a share of the
// older ones left in Pause.
GeneratorOptions history(std::size_t count, double days, double paused_rate, std::uint64_t seed)
{
    GeneratorOptions options = generated_jobs(count, seed, kTags);
    options.spacing_seconds = static_cast<long>(days * 86400 / static_cast<double>(count));
    options.first_creation_time =
        jobsync::now_unix_seconds() - 3600 - static_cast<long>(days * 86400);
    options.old_unfinished_rate = paused_rate;
    return options;
}

ConfigSpec spec_with(const EmulatorFixture& emulator, const std::string& sync_extra)
{
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = sync_extra;
    return spec;
}

// Σ over partitions of ceil(U_p / 10), U_p = the partition's unfinished jobs
// older than its next window's first second (cursor - lookback) inside the horizon.
long expected_by_id_requests(TempDatabase& db, long lookback_seconds)
{
    return std::stol(db.scalar(
        "SELECT coalesce(sum((u + 9) / 10), 0) FROM (SELECT count(j.job_id) AS u "
        "FROM sync_checkpoints c JOIN jobs j ON j.bucket = c.bucket AND j.tag = c.tag "
        "AND (c.queue_id = '' OR j.queue_id = c.queue_id) "
        "AND j.state NOT IN ('Success', 'Failed', 'Cancel') AND j.vanished_at IS NULL "
        "AND j.creation_time >= now() - interval '7 days' "
        "AND j.creation_time < c.cursor - interval '" +
        std::to_string(lookback_seconds) + " seconds' GROUP BY c.bucket, c.tag, c.queue_id) p"));
}

} // namespace

TEST_CASE("refresh by id: old jobs that finish between runs are updated with few requests")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(4000, 3, 0.004, 61));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""));
    const jobsync::SyncSummary first = sync_once(config);
    REQUIRE(first.failed == 0);
    const std::string unfinished_before =
        db.scalar("SELECT count(*) FROM jobs WHERE state NOT IN ('Success', 'Failed', 'Cancel') "
                  "AND creation_time < now() - interval '1 day'");
    REQUIRE(std::stol(unfinished_before) > 0);
    const long by_id = expected_by_id_requests(db, config.sync.lookback_seconds);
    REQUIRE(by_id > 0);

    // Every unfinished job finishes; the next run must pick them all up.
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    emulator.server->reset_stats();
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.requests_by_id == by_id);
    CHECK(second.totals.refreshed_by_id >= std::stol(unfinished_before));
    CHECK(emulator.server->stats().jobs_requests == second.partitions + by_id);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state NOT IN ('Success', 'Failed', "
                    "'Cancel')") == "0");
    require_same_as_dataset(db, emulator);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_refresh = 'by_id'") != "0");
    CHECK(db.scalar("SELECT jobs_refreshed_by_id > 0 AND requests_by_id = " +
                    std::to_string(by_id) + " FROM sync_runs ORDER BY run_id DESC LIMIT 1") == "t");

    // Nothing unfinished any more: one request per partition.
    emulator.server->reset_stats();
    const jobsync::SyncSummary third = sync_once(config);
    CHECK(third.totals.requests_by_id == 0);
    CHECK(emulator.server->stats().jobs_requests == third.partitions);
}

TEST_CASE("refresh by id: dense recent unfinished jobs are re-walked when that is cheaper")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    // 3,000 jobs a second apart; only the newest 3% (90 jobs) can be unfinished,
    // about a dozen: one page re-walks them, by id would take two requests.
    GeneratorOptions options = generated_jobs(3000, 62, {"Transcode"});
    options.spacing_seconds = 1;
    options.first_creation_time = jobsync::now_unix_seconds() - 3600 - 3000;
    EmulatorFixture emulator(options);
    const jobsync::Config config = load_test_config(db, spec_with(emulator, "lookback = \"1m\"\n"));
    REQUIRE(sync_once(config).failed == 0);
    const long unfinished = std::stol(
        db.scalar("SELECT count(*) FROM jobs WHERE state NOT IN ('Success', 'Failed', 'Cancel')"));
    REQUIRE(unfinished > 10);

    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.requests_by_id == 0);
    CHECK(db.scalar("SELECT string_agg(DISTINCT last_refresh, ',') FROM sync_checkpoints "
                    "WHERE last_refresh <> 'none'") == "walk");
    require_same_as_dataset(db, emulator);
}

TEST_CASE("refresh by id: a job the service no longer knows keeps its row and gets vanished_at")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(2000, 3, 0.01, 63));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""));
    REQUIRE(sync_once(config).failed == 0);
    const std::string gone =
        db.scalar("SELECT job_id FROM jobs WHERE state = 'Pause' ORDER BY creation_time LIMIT 1");
    REQUIRE_FALSE(gone.empty());
    REQUIRE(emulator.dataset.remove(gone));

    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.vanished == 1);
    CHECK(db.scalar("SELECT state || ' ' || (vanished_at IS NOT NULL) FROM jobs WHERE job_id = '" +
                    gone + "'") == "Pause true");
    CHECK(db.scalar("SELECT jobs_vanished FROM sync_runs ORDER BY run_id DESC LIMIT 1") == "1");

    // No longer refreshed: set once, not again.
    const std::string marked =
        db.scalar("SELECT vanished_at FROM jobs WHERE job_id = '" + gone + "'");
    const jobsync::SyncSummary third = sync_once(config);
    CHECK(third.totals.vanished == 0);
    CHECK(db.scalar("SELECT vanished_at FROM jobs WHERE job_id = '" + gone + "'") == marked);
}

TEST_CASE("refresh by id: 5xx, truncated bodies and throttling on by-id requests are retried")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(3000, 3, 0.02, 64));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, "max_attempts = 10\n"));
    REQUIRE(sync_once(config).failed == 0);
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    FaultOptions faults;
    faults.server_error_rate = 0.2;
    faults.truncate_rate = 0.15;
    faults.throttle_rate = 0.1;
    emulator.server->set_faults(faults);
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.retries > 0);
    CHECK(second.totals.requests_by_id > 0);
    emulator.server->set_faults({});
    require_same_as_dataset(db, emulator);
}

TEST_CASE("refresh by id: SIGKILL at any instant during the refresh converges on the next run")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(3000, 3, 0.05, 65));
    std::string config_path;
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""), &config_path);
    REQUIRE(sync_once(config).failed == 0);
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    FaultOptions slow;
    slow.latency_ms = 40; // ~15 by-id requests: the refresh lasts a while
    emulator.server->set_faults(slow);

    std::mt19937 random(65);
    for (int kill = 0; kill < 6; ++kill) {
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 700)(random)));
        worker.send_signal(SIGKILL);
        worker.wait();
    }
    emulator.server->set_faults({});
    const ProcessResult run = run_jobsync({"--config", config_path, "sync", "--wait-lock", "30"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state NOT IN ('Success', 'Failed', "
                    "'Cancel')") == "0");
    require_same_as_dataset(db, emulator);
}
