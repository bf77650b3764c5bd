// Fetching page N+1 while page N is written: same pages as walking one by one.
#include "jobsync/page_prefetcher.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

namespace {

SourceConfig source_for(const testing::EmulatorFixture& emulator)
{
    SourceConfig source;
    source.bucket = emulator.generator.bucket;
    source.region = emulator.generator.region;
    source.endpoint = emulator.server->endpoint();
    source.host = source.endpoint.substr(std::string("http://").size());
    source.credentials = {testing::kTestSecretId, testing::kTestSecretKey, ""};
    return source;
}

std::vector<std::string> ids_of(const JobsPage& page)
{
    std::vector<std::string> ids;
    for (const JobRecord& job : page.jobs) {
        ids.emplace_back(job.job_id);
    }
    return ids;
}

} // namespace

TEST_CASE("page_prefetcher: a prefetched walk returns the same pages as a plain one")
{
    emulator::GeneratorOptions generator;
    generator.count = 250;
    generator.tags = {"Transcode"};
    const testing::EmulatorFixture emulator(generator);
    const SourceConfig source = source_for(emulator);
    CiClient plain_client(source, {}, {});
    CiClient prefetch_client(source, {}, {});
    PagePrefetcher prefetcher(prefetch_client);

    ListJobsQuery query;
    query.tag = "Transcode";
    query.size = 40;
    std::size_t pages = 0;
    std::size_t jobs = 0;
    for (;;) {
        const JobsPage expected = plain_client.list_jobs(query);
        const JobsPage page = prefetcher.fetch(query);
        CHECK(ids_of(page) == ids_of(expected));
        // Tokens carry their issue time, so two requests never get the same bytes; the
        // next iteration comparing the pages each token leads to is what matters.
        CHECK(page.next_token.empty() == expected.next_token.empty());
        ++pages;
        jobs += page.jobs.size();
        if (page.next_token.empty()) {
            break;
        }
        query.next_token = page.next_token;
        prefetcher.start(query); // page N+1 in flight while "page N is written"
    }
    CHECK(pages == 7);
    CHECK(jobs == 250);
    // Only one request per page: every prefetched page was used.
    CHECK(prefetch_client.counters().requests == static_cast<long>(pages));
}

TEST_CASE("page_prefetcher: a different query discards the prefetched page")
{
    emulator::GeneratorOptions generator;
    generator.count = 30;
    generator.tags = {"Transcode"};
    const testing::EmulatorFixture emulator(generator);
    const SourceConfig source = source_for(emulator); // CiClient keeps a reference
    CiClient client(source, {}, {});
    PagePrefetcher prefetcher(client);

    ListJobsQuery first;
    first.tag = "Transcode";
    first.size = 10;
    prefetcher.start(first);
    ListJobsQuery other = first;
    other.size = 30;
    const JobsPage page = prefetcher.fetch(other);
    CHECK(page.jobs.size() == 30);
    CHECK(client.counters().requests == 2); // the prefetch, then the query asked for
    CHECK(same_query(first, first));
    CHECK_FALSE(same_query(first, other));
}
