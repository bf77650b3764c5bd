// Every window includes its first second although the API's creation-time
// bounds are exclusive: a job created exactly at start_time is synced, and
// with lookback "0s" the jobs of the cursor's own second are walked by the
// next run.
#include "jobsync/commands/window_walk.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <thread>

using namespace testing;
using jobsync::emulator::StoredJob;

namespace {

std::vector<StoredJob> listing(const EmulatorFixture& emulator)
{
    jobsync::emulator::JobQuery query;
    query.tag = "Transcode";
    query.ascending = true;
    return emulator.dataset.select(query);
}

// Polls until the database's clock has passed `instant` (generous timeout).
void wait_for_database_clock(const TempDatabase& db, jobsync::UnixSeconds instant)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::stoll(db.scalar("SELECT floor(extract(epoch FROM now()))::bigint")) <= instant) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

} // namespace

TEST_CASE("window bounds: a job created exactly at start_time is synced")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(40, 51, {"Transcode"}));
    const std::vector<StoredJob> jobs = listing(emulator);
    // A job whose second no older job shares, so start_time splits the listing there.
    std::size_t first = 20;
    while (jobs[first - 1].creation_time == jobs[first].creation_time) {
        ++first;
    }
    const jobsync::UnixSeconds start_time = jobs[first].creation_time;
    ConfigSpec spec = spec_for(emulator);
    spec.start_time = jobsync::format_iso_utc(start_time);
    const jobsync::Config config = load_test_config(db, spec);

    REQUIRE(sync_once(config).failed == 0);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id = '" + jobs[first].job_id + "'") ==
          "1");
    const std::size_t expected = jobs.size() - first;
    CHECK(db.count("jobs") == static_cast<long long>(expected));
    CHECK(db.scalar("SELECT min(extract(epoch FROM creation_time))::bigint FROM jobs") ==
          std::to_string(start_time));

    // verify's default window starts at start_time too, included.
    std::ostringstream out;
    CHECK(jobsync::run_verify(config, {}, out, nullptr) == 0);
    CHECK(out.str() == "verify: " + std::to_string(expected) +
                           " jobs checked in 1 partitions: 0 missing, 0 extra, 0 different\n");
}

TEST_CASE("window bounds: with lookback 0s the next run walks the cursor's own second")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(30, 52, {"Transcode"}));
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "lookback = \"0s\"\n";
    const jobsync::Config config = load_test_config(db, spec);
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(db.count("jobs") == 30);
    const jobsync::UnixSeconds cursor =
        std::stoll(db.scalar("SELECT extract(epoch FROM cursor)::bigint FROM sync_checkpoints"));

    // The first window ended before this second (its end is exclusive); a
    // job created in it is the next window's to walk.
    emulator.dataset.add(
        jobsync::emulator::generate_job(emulator.generator, 1000, "Transcode", cursor));
    // The next window must end after that second.
    wait_for_database_clock(db, cursor + config.sync.settle_delay_seconds + 1);
    const jobsync::SyncSummary second = sync_once(config);
    CHECK(second.failed == 0);
    CHECK(second.totals.inserted == 1);
    CHECK(db.count("jobs") == 31);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE creation_time = to_timestamp(" +
                    std::to_string(cursor) + ")") == "1");
}
