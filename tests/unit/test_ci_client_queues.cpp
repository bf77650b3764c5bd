// Queue discovery through CiClient::list_queues, against the emulator.
#include "jobsync/api/api_clients.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

namespace {

// `count` jobs of one tag spread over `queues` generated queue ids (an odd
// count of queues: job i goes to queue 2i mod queues, so every queue has one).
emulator::GeneratorOptions jobs_in_queues(std::size_t count, std::size_t queues)
{
    emulator::GeneratorOptions generator;
    generator.count = count;
    generator.tags = {"Transcode"};
    generator.queues.clear();
    for (std::size_t i = 0; i < queues; ++i) {
        const std::string number = std::to_string(i);
        generator.queues.push_back("p" + std::string(32 - number.size(), '0') + number);
    }
    return generator;
}

} // namespace

TEST_CASE("ci_client queues: every page is listed, sorted and distinct")
{
    const testing::EmulatorFixture emulator(jobs_in_queues(251, 251));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});

    const std::vector<std::string> queues = client.list_queues();
    CHECK(queues == emulator.dataset.queue_ids());
    CHECK(queues.size() == 251);
    CHECK(std::is_sorted(queues.begin(), queues.end()));
    CHECK(client.counters().requests == 3); // pages of 100
}

TEST_CASE("ci_client queues: the factory's clients list queues for ApiClients")
{
    const testing::EmulatorFixture emulator(jobs_in_queues(3, 3));
    const SourceConfig source = testing::source_for(emulator);
    SyncConfig sync;
    RateLimiter limiter(0.001, 2); // two requests, then a wait of ~17 minutes
    ApiClientFactory factory(sync, limiter, nullptr);
    ApiClients clients(factory);

    CHECK(clients.list_queues(source) == emulator.dataset.queue_ids());
    CHECK(&clients.for_source(source) == &clients.for_source(source)); // one per source
    CHECK(clients.for_source(source).counters().requests == 1);
    CHECK(limiter.try_acquire()); // the listing took one token of the run's bucket
    CHECK_FALSE(limiter.try_acquire());
}

TEST_CASE("ci_client queues: more queues than the cap is a PartitionError")
{
    const testing::EmulatorFixture emulator(
        jobs_in_queues(kMaxDiscoveredQueues + 1, kMaxDiscoveredQueues + 1));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});

    CHECK_THROWS_WITH(client.list_queues(), Catch::Contains("GET /queue: more than 10000 queues") &&
                                                Catch::Contains("TotalCount 10001"));
}
