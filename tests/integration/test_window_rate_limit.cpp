// `verify` and `backfill` keep to sync.max_requests_per_second like `sync`:
// their clients come from the same factory, with one token bucket per command.
#include "jobsync/commands/window_walk.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>

using namespace testing;

namespace {

constexpr double kRate = 5; // requests per second; the bucket holds 5

jobsync::Config rate_limited_config(const TempDatabase& db, const EmulatorFixture& emulator)
{
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "page_size = 10\nmax_requests_per_second = 5\n";
    return load_test_config(db, spec);
}

// The least time `requests` requests can take through a full bucket of kRate
// tokens refilled at kRate per second (a little slack for clock rounding).
double least_seconds(long requests)
{
    return (static_cast<double>(requests) - kRate) / kRate - 0.05;
}

template <class Run> double seconds_of(Run run)
{
    const auto started = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

} // namespace

TEST_CASE("window rate limit: verify and backfill take at least the time the bucket implies")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const EmulatorFixture emulator(generated_jobs(200, 61, {"Transcode", "Snapshot"}));
    const jobsync::Config config = rate_limited_config(db, emulator);

    emulator.server->reset_stats();
    std::ostringstream report;
    const double verify_seconds =
        seconds_of([&] { jobsync::run_verify(config, {}, report, nullptr); });
    const long verify_requests = emulator.server->stats().requests;
    INFO(report.str());
    CHECK(report.str().find("200 jobs checked") != std::string::npos);
    REQUIRE(verify_requests >= 15);
    CHECK(verify_seconds >= least_seconds(verify_requests));

    emulator.server->reset_stats();
    const double backfill_seconds =
        seconds_of([&] { CHECK(jobsync::run_backfill(config, {}, nullptr) == 0); });
    const long backfill_requests = emulator.server->stats().requests;
    REQUIRE(backfill_requests >= 15);
    CHECK(backfill_seconds >= least_seconds(backfill_requests));
    CHECK(db.scalar("SELECT count(*) FROM jobs") == "200");
}
