// Refresh by id: unfinished jobs older than the lookback are refreshed with
// GET /jobs/<ids> when that costs fewer requests than re-walking to them, a
// job the service forgot keeps its row with vanished_at and is asked for
// again an hour later, faults are retried and a kill during the refresh
// converges on the next run. By id is never a precondition: an id that
// cannot go in a path, one the service refuses alone, and a key refused
// GET /jobs/<ids> altogether are refreshed by re-walk.
#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>

using namespace testing;
using jobsync::emulator::FaultOptions;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::JobSpec;

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

std::size_t occurrences(const std::string& text, const std::string& part)
{
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

// The oldest paused job of the emulator's dataset.
JobSpec oldest_paused(const EmulatorFixture& emulator)
{
    std::optional<JobSpec> oldest;
    for (const JobSpec& job : emulator.dataset.specs()) {
        if (job.state == "Pause" && (!oldest || job.creation_time < oldest->creation_time)) {
            oldest = job;
        }
    }
    REQUIRE(oldest);
    return *oldest;
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

    // Not asked for again within the hour: set once, not again.
    const std::string where = " FROM jobs WHERE job_id = '" + gone + "'";
    const std::string marked = db.scalar("SELECT vanished_at" + where);
    const std::string checked = db.scalar("SELECT vanish_checked_at" + where);
    CHECK(checked == marked);
    const jobsync::SyncSummary third = sync_once(config);
    CHECK(third.totals.vanished == 0);
    CHECK(db.scalar("SELECT vanished_at" + where) == marked);
    CHECK(db.scalar("SELECT vanish_checked_at" + where) == checked);
}

TEST_CASE("refresh by id: a vanished job is asked for again after an hour and leaves the state "
          "when it shows up")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(2000, 3, 0.01, 69));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""));
    REQUIRE(sync_once(config).failed == 0);
    const JobSpec gone = oldest_paused(emulator);
    REQUIRE(emulator.dataset.remove(gone.job_id));
    REQUIRE(sync_once(config).totals.vanished == 1);
    const std::string where = " FROM jobs WHERE job_id = '" + gone.job_id + "'";
    // An hour passes (the answer's times moved back instead).
    const auto an_hour_passes = [&] {
        db.scalar("UPDATE jobs SET vanished_at = vanished_at - interval '2 hours', "
                  "vanish_checked_at = vanish_checked_at - interval '2 hours' "
                  "WHERE job_id = '" +
                  gone.job_id + "'");
    };
    an_hour_passes();
    const std::string first_answer = db.scalar("SELECT vanished_at" + where);

    // Still gone: asked again, vanished_at keeps the first answer, the check moves.
    const jobsync::SyncSummary still_gone = sync_once(config);
    CHECK(still_gone.failed == 0);
    CHECK(still_gone.totals.vanished == 0);
    CHECK(db.scalar("SELECT vanished_at" + where) == first_answer);
    CHECK(db.scalar("SELECT vanish_checked_at > now() - interval '10 minutes'" + where) == "t");

    // It shows up again, finished: the next re-check refreshes it.
    emulator.dataset.add(gone);
    REQUIRE(emulator.dataset.finish_jobs({gone.job_id}, jobsync::now_unix_seconds() - 60) == 1);
    an_hour_passes();
    const jobsync::SyncSummary back = sync_once(config);
    CHECK(back.failed == 0);
    CHECK(db.scalar("SELECT state || ' ' || (vanished_at IS NULL)" + where) == "Success true");
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE vanished_at IS NOT NULL") == "0");
    require_same_as_dataset(db, emulator);
}

TEST_CASE("refresh by id: an unfinished job whose id cannot go in a path is refreshed by re-walk")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(2000, 3, 0.01, 66));
    // The list serves it and the parser stores it; GET /jobs/job.odd.1 cannot be sent.
    JobSpec odd = oldest_paused(emulator);
    odd.job_id = "job.odd.1";
    emulator.dataset.add(odd);
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""));
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(db.scalar("SELECT state FROM jobs WHERE job_id = 'job.odd.1'") == "Pause");

    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(db.scalar("SELECT state FROM jobs WHERE job_id = 'job.odd.1'") == "Success");
    require_same_as_dataset(db, emulator);
    const std::string checkpoint = " FROM sync_checkpoints WHERE tag = '" + odd.tag + "'";
    CHECK(db.scalar("SELECT last_refresh || ' ' || last_status" + checkpoint) == "walk ok");
    CHECK_THAT(db.scalar("SELECT refresh_note" + checkpoint), Catch::Contains("job.odd.1"));
    // The other partition still went by id.
    CHECK(db.scalar("SELECT last_refresh FROM sync_checkpoints WHERE tag <> '" + odd.tag + "'") ==
          "by_id");
}

TEST_CASE("refresh by id: a job id the service refuses alone is skipped with a log line and "
          "re-walked")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(2000, 3, 0.01, 68));
    std::string config_path;
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""), &config_path);
    REQUIRE(sync_once(config).failed == 0);
    const std::string refused =
        db.scalar("SELECT job_id FROM jobs WHERE state = 'Pause' AND tag = 'Transcode' "
                  "ORDER BY creation_time OFFSET 2 LIMIT 1");
    REQUIRE_FALSE(refused.empty());
    FaultOptions faults;
    faults.refused_job_ids = {refused};
    emulator.server->set_faults(faults);
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);

    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(occurrences(run.output, "the service refused a job id asked for alone; skipped") == 1);
    CHECK_THAT(run.output, Catch::Contains(refused));
    require_same_as_dataset(db, emulator);
    const std::string checkpoint = " FROM sync_checkpoints WHERE tag = 'Transcode'";
    CHECK(db.scalar("SELECT last_refresh || ' ' || last_status" + checkpoint) == "walk ok");
    CHECK_THAT(db.scalar("SELECT refresh_note" + checkpoint), Catch::Contains(refused));
}

TEST_CASE("refresh by id: a key refused GET /jobs/<ids> re-walks, warns once and status names "
          "the permission")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(history(2000, 3, 0.01, 67));
    std::string config_path;
    const jobsync::Config config = load_test_config(db, spec_with(emulator, ""), &config_path);
    REQUIRE(sync_once(config).failed == 0);
    emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60);
    // The key has ci:DescribeMediaJobs (the list) but not ci:DescribeMediaJob.
    FaultOptions faults;
    faults.refuse_by_id = true;
    emulator.server->set_faults(faults);
    emulator.server->reset_stats();

    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(emulator.server->stats().faults_injected >= 1); // it did ask by id
    CHECK(occurrences(run.output, "GET /jobs/<ids> refused;") == 1);
    require_same_as_dataset(db, emulator);
    CHECK(db.scalar("SELECT string_agg(DISTINCT last_status || ' ' || last_refresh, ',') "
                    "FROM sync_checkpoints") == "ok walk");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints "
                    "WHERE refresh_note LIKE '%ci:DescribeMediaJob %'") == "2");
    const ProcessResult status = run_jobsync({"--config", config_path, "status"});
    INFO(status.output);
    CHECK(status.exit_code == 0);
    CHECK_THAT(status.output, Catch::Contains("REFRESH NOTES") &&
                                  Catch::Contains("permission ci:DescribeMediaJob "));

    // Granted: nothing is left to refresh, and the note goes with the next walk.
    emulator.server->set_faults({});
    REQUIRE(sync_once(config).failed == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE refresh_note IS NOT NULL") == "0");
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
