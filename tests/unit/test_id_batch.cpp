// The run's shared by-id batch size, and CiClient::describe_jobs' checks.
#include "jobsync/api/ci_client.hpp"
#include "jobsync/api/id_batch.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace jobsync;

TEST_CASE("id_batch: a refusal halves the size, never below one")
{
    IdBatchSize batch(10);
    CHECK(batch.current() == 10);
    batch.halve_after_refusal(10);
    CHECK(batch.current() == 5);
    batch.halve_after_refusal(5);
    CHECK(batch.current() == 2);
    batch.halve_after_refusal(2);
    CHECK(batch.current() == 1);
    batch.halve_after_refusal(1);
    CHECK(batch.current() == 1);
    CHECK(IdBatchSize(0).current() == 1);
}

TEST_CASE("id_batch: a refusal of a smaller batch than current halves from it")
{
    IdBatchSize batch(100);
    batch.halve_after_refusal(7); // the last, shorter batch of a list was refused
    CHECK(batch.current() == 3);
    batch.halve_after_refusal(50); // a stale refusal from another thread: kept lower
    CHECK(batch.current() == 3);
}

TEST_CASE("id_batch: threads refused the same size halve it once")
{
    IdBatchSize batch(64);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&batch] { batch.halve_after_refusal(64); });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    CHECK(batch.current() == 32);
}

TEST_CASE("describe_jobs: no ids sends nothing; an id that is not plain is refused before sending")
{
    const testing::EmulatorFixture emulator(testing::generated_jobs(5, 1, {"Transcode"}));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});

    const JobsById none = client.describe_jobs({});
    CHECK(none.pages.empty());
    CHECK(none.non_existent_ids.empty());
    CHECK_THROWS_WITH(client.describe_jobs({"j1", "j2/../../queue"}),
                      Catch::Contains("'j2/../../queue' is not a plain id"));
    CHECK(emulator.server->stats().requests == 0);
}
