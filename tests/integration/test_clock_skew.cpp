// A clock that disagrees with the service's: the worker learns the offset from
// the error response's Date header, re-signs, and retries once.
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

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
