// A clock that disagrees with the service's: the worker learns the offset from
// the error response's Date header, re-signs, and retries once. A worker
// whose own clock runs ahead still ends its windows on the database's clock.
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace testing;

namespace {

void sync_with_service_clock_offset(long offset_seconds)
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::GeneratorOptions generator;
    generator.count = 120;
    generator.tags = {"Transcode"};
    jobsync::emulator::FaultOptions skew;
    skew.clock_offset_seconds = offset_seconds;
    EmulatorFixture emulator(generator, skew);
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);

    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("clock skew") != std::string::npos);
    CHECK(run.output.find(kTestSecretKey) == std::string::npos);
    CHECK(db.count("jobs") == 120);
    // One rejected request, then signed with the learned offset.
    CHECK(emulator.server->stats().rejected_signatures == 1);
}

} // namespace

TEST_CASE("clock skew: the service's clock an hour ahead ('Request has expired')")
{
    sync_with_service_clock_offset(3600);
}

TEST_CASE("clock skew: the service's clock an hour behind (RequestTimeTooSkewed)")
{
    sync_with_service_clock_offset(-3600);
}

TEST_CASE("clock skew: a worker whose clock runs 2 hours ahead ends its windows on the "
          "database's clock")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::GeneratorOptions generator;
    generator.count = 60;
    generator.tags = {"Transcode"};
    EmulatorFixture emulator(generator);
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = {"Transcode"};
    std::string config_path;
    const jobsync::Config config = load_test_config(db, spec, &config_path);
    // More than lookback (15m) + settle_delay (30s) ahead.
    const std::map<std::string, std::string> skewed{{"JOBSYNC_TEST_CLOCK_OFFSET_SECONDS", "7200"}};

    const ProcessResult first = run_jobsync({"--config", config_path, "sync"}, skewed);
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(db.count("jobs") == 60);
    // The shared cursor is not in the future: the database's now minus settle_delay.
    CHECK(db.scalar("SELECT cursor <= now() - make_interval(secs => " +
                    std::to_string(config.sync.settle_delay_seconds) + ") FROM sync_checkpoints") ==
          "t");

    // A job created a minute ago (after the cursor's second or inside the
    // lookback) is walked by the next run of the same worker.
    const jobsync::UnixSeconds recent =
        std::stoll(db.scalar("SELECT floor(extract(epoch FROM now()))::bigint")) - 60;
    emulator.dataset.add(jobsync::emulator::generate_job(generator, 1000, "Transcode", recent));
    const ProcessResult second = run_jobsync({"--config", config_path, "sync"}, skewed);
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK(second.output.find(kTestSecretKey) == std::string::npos);
    CHECK(db.count("jobs") == 61);
}
