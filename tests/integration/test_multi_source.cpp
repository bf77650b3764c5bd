// Several [[source]] blocks in one database, and queue discovery: each source
// isolated (one with wrong credentials fails alone), bucket in every key.
#include "jobsync/api/api_clients.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_assertions.hpp"
#include "support/dataset_comparison.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace testing;
using jobsync::emulator::GeneratorOptions;

namespace {

GeneratorOptions generator(const std::string& bucket, const std::string& region, std::uint64_t seed)
{
    GeneratorOptions options;
    options.seed = seed;
    options.count = 600;
    options.bucket = bucket;
    options.region = region;
    options.tags = {"Transcode", "SpeechRecognition", "VoiceSeparate"};
    return options;
}

ConfigSpec source_spec(const EmulatorFixture& emulator)
{
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.bucket = emulator.generator.bucket;
    spec.region = emulator.generator.region;
    spec.tags = emulator.generator.tags;
    return spec;
}

// The queue ids of the partitions, sorted and distinct.
std::vector<std::string> queues_of(const std::vector<jobsync::Partition>& partitions)
{
    std::vector<std::string> queues;
    for (const jobsync::Partition& partition : partitions) {
        queues.push_back(partition.queue_id);
    }
    std::sort(queues.begin(), queues.end());
    queues.erase(std::unique(queues.begin(), queues.end()), queues.end());
    return queues;
}

// One run of a config whose sources discover their queues: run_sync lists
// them with GET /queue at the start of the run.
jobsync::SyncSummary sync_discovered(const TempDatabase& db, const ConfigSpec& spec,
                                     std::size_t expected_partitions)
{
    REQUIRE(spec.discover_queues);
    const jobsync::Config config = load_test_config(db, spec);
    jobsync::SyncOptions options;
    options.concurrency = 2;
    const jobsync::SyncSummary summary = jobsync::run_sync(config, options, nullptr);
    CHECK(summary.partitions == static_cast<int>(expected_partitions));
    return summary;
}

} // namespace

TEST_CASE("multi-source: a source with wrong credentials fails alone, the other syncs fully")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture good(generator("goodbucket-1250000000", "ap-guangzhou", 11));
    EmulatorFixture bad(generator("badbucket-1250000001", "ap-shanghai", 12));
    ConfigSpec bad_spec = source_spec(bad);
    bad_spec.own_credentials = true;
    bad_spec.secret_key = "not-the-right-key";
    const jobsync::Config config = load_test_config(db, {source_spec(good), bad_spec});
    REQUIRE(config.sources.size() == 2);
    CHECK(config.sources[1].credentials.secret_key == "not-the-right-key");

    jobsync::SyncOptions options;
    options.concurrency = 2;
    const jobsync::SyncSummary summary = jobsync::run_sync(config, options, nullptr);
    CHECK(summary.partitions == 6);
    CHECK(summary.failed == 3);
    require_same_as_dataset(db, good);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE bucket = 'badbucket-1250000001'") == "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE bucket = "
                    "'badbucket-1250000001' AND last_error LIKE '%SignatureDoesNotMatch%'") == "3");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE bucket = "
                    "'goodbucket-1250000000' AND last_status = 'ok'") == "3");
}

TEST_CASE("queue discovery: one partition per (tag, queue); new queues are picked up")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture good(generator("goodbucket-1250000000", "ap-guangzhou", 21));
    EmulatorFixture bad(generator("badbucket-1250000001", "ap-shanghai", 22));
    ConfigSpec good_spec = source_spec(good);
    good_spec.discover_queues = true;
    ConfigSpec bad_spec = source_spec(bad);
    bad_spec.discover_queues = true;
    bad_spec.own_credentials = true;
    bad_spec.secret_key = "not-the-right-key";
    const jobsync::Config config = load_test_config(db, {good_spec, bad_spec});

    jobsync::RateLimiter limiter(0);
    jobsync::ApiClientFactory factory(config.sync, limiter, nullptr);
    jobsync::ApiClients lister(factory);
    std::vector<std::string> errors;
    auto partitions = jobsync::expand_partitions(config, lister, errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("badbucket-1250000001") == 0);
    CHECK(errors[0].find("SignatureDoesNotMatch") != std::string::npos);
    CHECK(partitions.size() == 3 * good.generator.queues.size());
    CHECK(queues_of(partitions) == good.dataset.queue_ids());
    CHECK(sync_discovered(db, good_spec, partitions.size()).failed == 0);
    require_same_as_dataset(db, good);
    CHECK(db.scalar("SELECT count(DISTINCT queue_id) FROM sync_checkpoints") == "2");

    // Both sources in one run: the bad one's discovery fails the run (exit 1),
    // the good one still syncs.
    {
        jobsync::SyncOptions options;
        options.concurrency = 2;
        const jobsync::SyncSummary both = jobsync::run_sync(config, options, nullptr);
        CHECK(both.failed == 1);
        CHECK(both.partitions == static_cast<int>(partitions.size()));
        require_same_as_dataset(db, good);
    }

    // A job in a new queue: the next run's discovery adds its partitions.
    GeneratorOptions later = good.generator;
    later.queues = {"p0000000000000000000000000000new1"};
    good.dataset.add(jobsync::emulator::generate_job(later, 100000, "Transcode",
                                                     good.generator.first_creation_time + 60));
    partitions = jobsync::expand_partitions(config, lister, errors);
    CHECK(partitions.size() == 3 * (good.generator.queues.size() + 1));
    CHECK(sync_discovered(db, good_spec, partitions.size()).failed == 0);
    require_same_as_dataset(db, good);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE queue_id = "
                    "'p0000000000000000000000000000new1'") == "3");
}

TEST_CASE("queue discovery: a stop during the listing records an interrupted run")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generator("stopbucket-1250000002", "ap-guangzhou", 23));
    ConfigSpec spec = source_spec(emulator);
    spec.discover_queues = true;
    const jobsync::Config config = load_test_config(db, spec);
    emulator.server->reset_stats();

    const std::atomic<bool> stop{true}; // SIGTERM arrived as the run began
    const jobsync::SyncSummary summary = jobsync::run_sync(config, {}, &stop);
    CHECK(summary.interrupted);
    CHECK(summary.partitions == 0);
    CHECK(emulator.server->stats().requests == 0);
    CHECK(db.scalar("SELECT status FROM sync_runs") == "interrupted");
}
