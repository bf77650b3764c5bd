// The worker end to end: the real emulator over loopback, a real temporary
// PostgreSQL database, the sync run in-process and as the ci-jobsync binary.
#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_assertions.hpp"
#include "support/dataset_comparison.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

using namespace testing;
using jobsync::emulator::GeneratorOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot", "Animation", "MediaInfo"};

} // namespace

TEST_CASE("sync: a full sync lands exactly the emulator's jobs and children; a second is a no-op")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10000, 42, kTags));
    const jobsync::Config config = load_test_config(db, spec_for(emulator));

    const jobsync::SyncSummary first = sync_once(config);
    CHECK(first.failed == 0);
    CHECK(first.partitions == 4);
    CHECK(first.totals.inserted == 10000);
    CHECK(db.count("jobs") == 10000);
    for (const char* table : {"job_outputs", "job_watermark_templates", "media_info",
                              "media_streams", "output_files"}) {
        INFO(table);
        CHECK(db.count(table) > 0);
    }
    require_same_as_dataset(db, emulator);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE cursor IS NOT NULL AND "
                    "last_status = 'ok' AND walk_window_end IS NULL") == "4");
    CHECK(db.scalar("SELECT status || ' ' || jobs_inserted FROM sync_runs") == "ok 10000");

    // Nothing new: one request per partition, no row rewritten.
    const std::string xmin_before = db.scalar("SELECT sum(xmin::text::bigint) FROM jobs");
    emulator.server->reset_stats();
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.inserted == 0);
    CHECK(second.totals.updated == 0);
    CHECK(emulator.server->stats().jobs_requests == 4);
    CHECK(db.scalar("SELECT sum(xmin::text::bigint) FROM jobs") == xmin_before);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("sync: jobs added after the first sync arrive in the second, late state changes too")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    // Created over the last two days: inside the refresh horizon (7 days).
    GeneratorOptions options = generated_jobs(600, 7, kTags);
    options.first_creation_time = jobsync::now_unix_seconds() - 2 * 86400;
    options.spacing_seconds = 120;
    EmulatorFixture emulator(options);
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(db.count("jobs") == 600);

    // New jobs created two minutes ago: inside the next window (lookback 15m,
    // settle 30s), some unfinished.
    const jobsync::UnixSeconds recent = jobsync::now_unix_seconds() - 120;
    for (std::uint64_t i = 0; i < 25; ++i) {
        emulator.dataset.add(jobsync::emulator::generate_job(emulator.generator, 100000 + i,
                                                             kTags[i % kTags.size()], recent));
    }
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.inserted == 25);
    CHECK(db.count("jobs") == 625);
    require_same_as_dataset(db, emulator);

    // Unfinished jobs finish later; the next run picks that up without a full re-walk.
    const long unfinished = std::stol(
        db.scalar("SELECT count(*) FROM jobs WHERE state IN ('Submitted', 'Running', 'Pause')"));
    REQUIRE(unfinished > 0);
    REQUIRE(emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60) > 0);
    const jobsync::SyncSummary third = sync_once(config);
    CHECK(third.failed == 0);
    CHECK(third.totals.updated == unfinished);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state IN ('Submitted', 'Running', 'Pause')") ==
          "0");
    require_same_as_dataset(db, emulator);
}

TEST_CASE("sync: rerunning after the worker is killed mid-walk converges to the same rows")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::FaultOptions slow;
    slow.latency_ms = 40;
    EmulatorFixture emulator(generated_jobs(3000, 11, kTags), slow);
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "page_size = 20\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);

    int kills = 0;
    for (int delay_ms : {300, 700, 450, 900}) {
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        if (worker.running()) {
            worker.send_signal(SIGKILL);
            ++kills;
        }
        worker.wait();
    }
    REQUIRE(kills > 0);
    emulator.server->set_faults({});
    const ProcessResult final_run = run_jobsync({"--config", config_path, "sync"});
    INFO(final_run.output);
    REQUIRE(final_run.exit_code == 0);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("sync: a wrong secret key fails clearly, exits 1, and moves no checkpoint")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(50, 3, kTags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    spec.secret_key = "a-wrong-secret-key-0000";
    std::string config_path;
    load_test_config(db, spec, &config_path);
    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK(run.output.find("SignatureDoesNotMatch") != std::string::npos);
    CHECK(run.output.find("a-wrong-secret-key-0000") == std::string::npos);
    CHECK(run.output.find(kTestSecretKey) == std::string::npos);
    CHECK(db.count("jobs") == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE cursor IS NOT NULL") == "0");
    CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "failed");
    CHECK(db.scalar("SELECT last_error FROM sync_checkpoints").find("SignatureDoesNotMatch") !=
          std::string::npos);
    CHECK(emulator.server->stats().rejected_signatures >= 1);
}

TEST_CASE("sync: status lists every partition with its cursor and outcome")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(40, 5, kTags));
    // A queue partition: its label is longer than a column would be by default.
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode", "Snapshot"};
    spec.queues = {emulator.generator.queues.front()};
    std::string config_path;
    load_test_config(db, spec, &config_path);
    const ProcessResult before =
        run_jobsync({"--config", config_path, "status", "--max-lag", "1h"});
    CHECK(before.exit_code == 1); // never synced counts as behind
    CHECK(before.output.find("never synced") != std::string::npos);
    REQUIRE(run_jobsync({"--config", config_path, "sync"}).exit_code == 0);
    const ProcessResult after = run_jobsync({"--config", config_path, "status", "--max-lag", "1h"});
    INFO(after.output);
    CHECK(after.exit_code == 0);
    const std::string queue = emulator.generator.queues.front();
    CHECK(after.output.find("examplebucket-1250000000/Transcode/" + queue + "  ") !=
          std::string::npos);
    CHECK(after.output.find("examplebucket-1250000000/Snapshot/" + queue + "  ") !=
          std::string::npos);
    CHECK(after.output.find(" ok ") != std::string::npos);
    // Every row's cursor starts under the CURSOR heading.
    std::istringstream lines(after.output);
    std::string header;
    std::getline(lines, header);
    const std::size_t cursor_column = header.find("CURSOR");
    REQUIRE(cursor_column != std::string::npos);
    for (std::string line; std::getline(lines, line) && !line.empty();) {
        CHECK(line.substr(cursor_column, 2) == "20");
        CHECK(line[cursor_column - 1] == ' ');
    }
}
