// Scale-out: two ci-jobsync processes (the real binary) against one database
// share 20 partitions through PostgreSQL alone. No job is lost or stored
// twice, and a partition held by one process is skipped by the other.
#include "support/dataset_assertions.hpp"
#include "support/dataset_comparison.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace testing;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot", "Animation", "MediaInfo", "Concat"};
const std::vector<std::string> kQueues{
    "p2242ab62c7c94486915508540933a2c6", "p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e",
    "p0a1b2c3d4e5f60718293a4b5c6d7e8f9", "p9f8e7d6c5b4a39281706f5e4d3c2b1a0"};

std::size_t count_lines_with(const std::string& text, const std::string& needle)
{
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

} // namespace

TEST_CASE("scale-out: two processes split 20 partitions; every job lands exactly once")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::GeneratorOptions generator;
    generator.seed = 23;
    generator.count = 4000;
    generator.tags = kTags;
    generator.queues = kQueues;
    jobsync::emulator::FaultOptions slow;
    slow.latency_ms = 15; // keeps each walk long enough for the two to overlap
    EmulatorFixture emulator(generator, slow);

    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = kTags;
    spec.queues = kQueues;
    spec.sync_extra = "page_size = 25\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);
    REQUIRE(run_jobsync({"--config", config_path, "migrate"}).exit_code == 0);

    ChildProcess first(JOBSYNC_BINARY, {"--config", config_path, "sync"});
    ChildProcess second(JOBSYNC_BINARY, {"--config", config_path, "sync"});
    const ProcessResult a = first.wait();
    const ProcessResult b = second.wait();
    INFO(a.output);
    INFO(b.output);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);

    // Nothing lost, nothing twice: the rows are exactly the dataset's, and
    // each job was inserted by one process only.
    require_same_as_dataset(db, emulator);
    CHECK(db.count("jobs") == 4000);
    CHECK(db.scalar("SELECT sum(jobs_inserted) FROM sync_runs") == "4000");
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'ok'") == "2");

    // Each run saw all 20 partitions; each partition was walked by at least
    // one of them, and one process skipped what the other held, logging it.
    CHECK(db.scalar("SELECT string_agg(partitions::text, ',') FROM sync_runs") == "20,20");
    CHECK(db.scalar("SELECT sum(partitions_failed) FROM sync_runs") == "0");
    const long skipped = std::stol(db.scalar("SELECT sum(partitions_skipped) FROM sync_runs"));
    CHECK(skipped <= 20);
    CHECK(count_lines_with(a.output + b.output, "skipped") >= static_cast<std::size_t>(skipped));
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE cursor IS NOT NULL AND "
                    "last_status = 'ok'") == "20");
    // Both processes did part of the work (they start together; a walk takes
    // several paged requests at 15 ms each).
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE jobs > 0") == "2");
}
