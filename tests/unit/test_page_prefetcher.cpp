// Fetching page N+1 while page N is written: same pages as walking one by one.
#include "jobsync/api/page_prefetcher.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

namespace {

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
    const SourceConfig source = testing::source_for(emulator);
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
    const SourceConfig source = testing::source_for(emulator); // CiClient keeps a reference
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

TEST_CASE("page_prefetcher: a body reused for a later page leaves the pages in use intact")
{
    emulator::GeneratorOptions generator;
    generator.count = 120;
    generator.tags = {"Transcode"};
    const testing::EmulatorFixture emulator(generator);
    const SourceConfig source = testing::source_for(emulator);
    CiClient plain_client(source, {}, {});
    CiClient client(source, {}, {});
    PagePrefetcher prefetcher(client);

    ListJobsQuery query;
    query.tag = "Transcode";
    query.size = 40;
    std::vector<std::vector<std::string>> expected;
    for (ListJobsQuery plain = query;;) {
        const JobsPage page = plain_client.list_jobs(plain);
        expected.push_back(ids_of(page));
        if (page.next_token.empty() || page.jobs.empty()) {
            break;
        }
        plain.next_token = page.next_token;
    }
    REQUIRE(expected.size() >= 3);

    JobsPage first = prefetcher.fetch(query);
    const std::string first_detail(first.jobs.at(0).detail_xml);
    query.next_token = first.next_token;
    prefetcher.start(query); // page 2 is received while page 1 is in use
    JobsPage second = prefetcher.fetch(query);
    CHECK(ids_of(first) == expected[0]);
    CHECK(first.jobs.at(0).detail_xml == first_detail);
    const std::string second_detail(second.jobs.at(0).detail_xml);

    // Page 1 written: its memory takes page 3 (made roomy enough for any page
    // here; a smaller one would be replaced by one of the Content-Length).
    std::string memory = first.release_body();
    memory.reserve(4 * memory.size());
    const void* first_memory = memory.data();
    JobsPage written;
    written.body = std::move(memory);
    client.recycle(std::move(written));
    query.next_token = second.next_token;
    prefetcher.start(query);
    const JobsPage third = prefetcher.fetch(query);
    CHECK(static_cast<const void*>(third.body.data()) == first_memory);
    CHECK(ids_of(third) == expected[2]);
    CHECK(ids_of(second) == expected[1]); // still held while page 3 arrived
    CHECK(second.jobs.at(0).detail_xml == second_detail);
}
