// Time slices: a first sync of one big partition is split into creation-time
// slices walked in parallel, each job received exactly once (at a boundary
// second too), a SIGKILL at any point resumes the plan, and a small window
// is walked as one chain.
#include "emulator/job_generator.hpp"
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace testing;

namespace {

// The tests' configs run with sync.concurrency = 2 (sync_fixture).
constexpr int kSlices = 2 * 2; // kSlicesPerThread per thread

// Copies of the slice rows as they are planned and as each one finishes
// (the plan itself is deleted when the window completes).
void log_slices(const TempDatabase& db)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("CREATE TABLE slice_plans (plan_id bigint, slice int, window_start timestamptz, "
             "window_end timestamptz)");
    txn.exec("CREATE TABLE slices_done (slice int, window_start timestamptz, "
             "window_end timestamptz, pages int, jobs bigint)");
    txn.exec("CREATE FUNCTION log_slice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "IF TG_OP = 'INSERT' THEN "
             "  INSERT INTO slice_plans VALUES (NEW.plan_id, NEW.slice, NEW.window_start, "
             "  NEW.window_end); "
             "ELSIF NEW.done_at IS NOT NULL AND OLD.done_at IS NULL THEN "
             "  INSERT INTO slices_done VALUES (NEW.slice, NEW.window_start, NEW.window_end, "
             "  NEW.pages, NEW.jobs); "
             "END IF; RETURN NEW; END $$");
    txn.exec("CREATE TRIGGER log_slice AFTER INSERT OR UPDATE ON sync_slices FOR EACH ROW "
             "EXECUTE FUNCTION log_slice()");
    txn.commit();
}

// Slices planned by split plans (every walk is a plan; most have one slice).
long long split_slices_planned(const TempDatabase& db)
{
    return std::stoll(db.scalar("SELECT count(*) FROM slice_plans WHERE plan_id IN "
                                "(SELECT plan_id FROM slice_plans GROUP BY plan_id "
                                "HAVING count(*) > 1)"));
}

void drop_slice_logs(const TempDatabase& db)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("DROP TRIGGER IF EXISTS log_slice ON sync_slices");
    txn.exec("DROP FUNCTION IF EXISTS log_slice()");
    txn.exec("DROP TABLE IF EXISTS slice_plans, slices_done");
    txn.commit();
}

struct DoneSlice {
    int slice = 0;
    std::optional<long long> start; // epoch seconds; nullopt => from the oldest job
    long long end = 0;
    long pages = 0, jobs = 0;
};

std::vector<DoneSlice> done_slices(const TempDatabase& db)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    std::vector<DoneSlice> slices;
    for (const pqxx::row& row :
         txn.exec("SELECT slice, extract(epoch FROM window_start)::bigint, "
                  "extract(epoch FROM window_end)::bigint, pages, jobs FROM slices_done "
                  "ORDER BY slice")) {
        DoneSlice slice;
        slice.slice = row[0].as<int>();
        if (!row[1].is_null()) {
            slice.start = row[1].as<long long>();
        }
        slice.end = row[2].as<long long>();
        slice.pages = row[3].as<long>();
        slice.jobs = row[4].as<long>();
        slices.push_back(slice);
    }
    return slices;
}

// Jobs stored with a creation time strictly inside the slice's window.
long long stored_in(const TempDatabase& db, const DoneSlice& slice)
{
    std::string sql = "SELECT count(*) FROM jobs WHERE creation_time < to_timestamp(" +
                      std::to_string(slice.end) + ")";
    if (slice.start) {
        sql += " AND creation_time > to_timestamp(" + std::to_string(*slice.start) + ")";
    }
    return std::stoll(db.scalar(sql));
}

ConfigSpec one_partition(const EmulatorFixture& emulator, const std::string& sync_extra)
{
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    spec.sync_extra = sync_extra;
    return spec;
}

std::pair<jobsync::UnixSeconds, jobsync::UnixSeconds>
creation_range(const jobsync::emulator::Dataset& dataset)
{
    jobsync::emulator::JobQuery query;
    query.tag = "Transcode";
    query.ascending = true;
    const auto jobs = dataset.select(query);
    return {jobs.front().creation_time, jobs.back().creation_time};
}

} // namespace

TEST_CASE("slices: a first sync of a big partition is split; each job is received once, a "
          "boundary second's jobs too")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    drop_slice_logs(db);
    log_slices(db);
    EmulatorFixture emulator(generated_jobs(3000, 61, {"Transcode"}));
    // The probe prices ~150 pages: two slices per thread at the tests'
    // concurrency (2), of equal spans between the oldest and the newest job. Jobs at each boundary
    // second and the one before it must land in exactly one slice.
    const auto [first, last] = creation_range(emulator.dataset);
    const long long span = last - first + 1;
    std::vector<long long> boundaries;
    for (int k = 1; k < kSlices; ++k) {
        boundaries.push_back(first + span * k / kSlices);
    }
    std::uint64_t index = 900000;
    for (const long long boundary : boundaries) {
        for (const long long second : {boundary - 1, boundary, boundary}) {
            emulator.dataset.add(
                jobsync::emulator::generate_job(emulator.generator, index++, "Transcode", second));
        }
    }
    const long long total = static_cast<long long>(emulator.dataset.size());
    const jobsync::Config config =
        load_test_config(db, one_partition(emulator, "page_size = 20\n"));
    emulator.server->reset_stats();

    const jobsync::SyncSummary summary = sync_once(config);
    CHECK(summary.failed == 0);
    CHECK(summary.totals.slices == kSlices);
    // Received, not only stored: a job read by two slices would count twice.
    CHECK(summary.totals.jobs == total);
    CHECK(summary.totals.duplicates == 0);
    CHECK(summary.totals.inserted == total);
    // Two probe requests (oldest page, newest page), then the slices' pages.
    CHECK(summary.totals.requests == summary.totals.pages + 2);
    CHECK(emulator.server->stats().jobs_requests == summary.totals.requests);
    CHECK(db.scalar("SELECT slices FROM sync_runs ORDER BY run_id DESC LIMIT 1") ==
          std::to_string(kSlices));

    const std::vector<DoneSlice> slices = done_slices(db);
    REQUIRE(slices.size() == static_cast<std::size_t>(kSlices));
    CHECK(split_slices_planned(db) == kSlices);
    CHECK_FALSE(slices.front().start); // the first sync starts at the oldest job
    long long received = 0;
    for (std::size_t k = 0; k < slices.size(); ++k) {
        INFO("slice " << k);
        CHECK(slices[k].slice == static_cast<int>(k));
        if (k + 1 < slices.size()) {
            CHECK(slices[k].end == boundaries[k]);
            // Exclusive bounds: the next slice starts one second before.
            REQUIRE(slices[k + 1].start);
            CHECK(*slices[k + 1].start == slices[k].end - 1);
        }
        // Each slice received exactly the jobs of its window (its filters).
        CHECK(slices[k].jobs > 0);
        CHECK(slices[k].jobs == stored_in(db, slices[k]));
        received += slices[k].jobs;
    }
    CHECK(received == total);
    CHECK(std::to_string(slices.back().end) ==
          db.scalar("SELECT extract(epoch FROM cursor)::bigint FROM sync_checkpoints"));
    CHECK(db.count("sync_slices") == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE walk_window_end IS NULL") == "1");
    require_same_as_dataset(db, emulator);

    // The next window holds nothing new: one request, not split.
    emulator.server->reset_stats();
    const jobsync::SyncSummary again = sync_once(config);
    CHECK(again.totals.slices == 0);
    CHECK(again.totals.requests == 1);
    CHECK(split_slices_planned(db) == kSlices);
    drop_slice_logs(db);
}

TEST_CASE("slices: a small window is one chain")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    drop_slice_logs(db);
    log_slices(db);
    EmulatorFixture emulator(generated_jobs(30, 62, {"Transcode"}));
    const jobsync::Config config =
        load_test_config(db, one_partition(emulator, "page_size = 20\n"));

    const jobsync::SyncSummary summary = sync_once(config);
    CHECK(summary.failed == 0);
    CHECK(summary.totals.slices == 0);
    CHECK(split_slices_planned(db) == 0);
    CHECK(summary.totals.pages == 2);
    // The first page promised years of history up to now; the newest page
    // showed it ends after 30 jobs: one look more, no split.
    CHECK(summary.totals.requests == 3);
    require_same_as_dataset(db, emulator);

    // One page: the probe page is the whole walk.
    db.truncate_all();
    EmulatorFixture tiny(generated_jobs(15, 63, {"Transcode"}));
    const jobsync::SyncSummary single =
        sync_once(load_test_config(db, one_partition(tiny, "page_size = 20\n")));
    CHECK(single.totals.requests == 1);
    CHECK(single.totals.slices == 0);
    require_same_as_dataset(db, tiny);
    drop_slice_logs(db);
}

TEST_CASE("slices: SIGKILL during a sliced walk, at several points, then a rerun converges")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    drop_slice_logs(db);
    log_slices(db);
    jobsync::emulator::FaultOptions slow;
    slow.latency_ms = 60;
    EmulatorFixture emulator(generated_jobs(2400, 64, {"Transcode"}), slow);
    std::string config_path;
    load_test_config(db, one_partition(emulator, "page_size = 20\n"), &config_path);

    const auto pages_committed = [&] {
        return std::stoll(db.scalar("SELECT coalesce(sum(pages), 0) FROM sync_slices"));
    };
    bool killed_mid_plan = false;
    // The first kill comes early (before or while the plan is made); the
    // others once the slices have committed a few more pages: points set by
    // progress, not by a delay a slow (sanitized, loaded) machine may miss.
    long long kill_at_pages = 0;
    for (int kill = 0; kill < 4; ++kill) {
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        if (kill == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        } else {
            kill_at_pages = pages_committed() + 3;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (worker.running() && pages_committed() < kill_at_pages &&
                   std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        worker.send_signal(SIGKILL);
        const ProcessResult killed = worker.wait();
        INFO(killed.output);
        CHECK(killed.output.find(kTestSecretKey) == std::string::npos);
        const long long unfinished =
            std::stoll(db.scalar("SELECT count(*) FROM sync_slices WHERE done_at IS NULL"));
        const long long pages_done =
            std::stoll(db.scalar("SELECT coalesce(sum(pages), 0) FROM sync_slices"));
        if (unfinished > 0 && pages_done > 0) {
            killed_mid_plan = true;
        }
        // Nothing moves the cursor while a slice is unfinished.
        if (db.count("sync_slices") > 0) {
            CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE cursor IS NULL") == "1");
        }
    }
    REQUIRE(killed_mid_plan);

    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find(kTestSecretKey) == std::string::npos);
    // One plan, made once and reused by every rerun.
    CHECK(split_slices_planned(db) == kSlices);
    CHECK(db.count("sync_slices") == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE cursor IS NOT NULL") == "1");
    CHECK(db.count("jobs") == static_cast<long long>(emulator.dataset.size()));
    require_same_as_dataset(db, emulator);
    drop_slice_logs(db);
}

TEST_CASE("slices: while whole partitions are left for every thread none is sliced; the "
          "round's last ones are")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const std::vector<std::string> tags{"Transcode", "Snapshot", "Animation", "MediaInfo"};
    constexpr long kJobs = 2000; // ~25 pages of 20 per partition: dense enough to split
    EmulatorFixture emulator(generated_jobs(kJobs, 62, tags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = tags;
    spec.sync_extra = "page_size = 20\n";
    const jobsync::Config config = load_test_config(db, spec);
    emulator.server->reset_stats();

    const jobsync::SyncSummary summary = sync_once(config);
    CHECK(summary.failed == 0);
    CHECK(summary.totals.inserted == kJobs);
    CHECK(summary.totals.duplicates == 0);
    // Two threads: the first two partitions claimed leave two whole ones for
    // them, so they are walked as one chain each; the last two are sliced
    // (2 or 3 slices each: ~25 pages, at least kMinPagesPerSlice a slice).
    CHECK(db.scalar("SELECT count(DISTINCT tag) FROM sync_claims WHERE kind = 'slice' "
                    "AND slice > 0") == "2");
    CHECK(summary.totals.slices >= 2 * 2);
    CHECK(db.scalar("SELECT count(*) FROM sync_claims c WHERE kind = 'slice' AND EXISTS "
                    "(SELECT 1 FROM sync_claims d WHERE d.kind = 'slice' AND d.slice > 0 "
                    "AND d.plan_id = c.plan_id)") == std::to_string(summary.totals.slices));
    // Probe requests (oldest page, newest page) for the sliced ones only.
    CHECK(summary.totals.requests == summary.totals.pages + 2 * 2);
    CHECK(emulator.server->stats().jobs_requests == summary.totals.requests);
}
