// The one paging policy: every job of the window once a walk ends, however
// often a token is refused, also when the service hands out a restarted
// walk's tokens again (offset-like tokens).
#include "emulator/emulator_server.hpp"
#include "emulator/job_generator.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <set>

using namespace jobsync;

namespace {

// An emulator server whose tokens name only the listing and the position,
// refusing `reject_rate` of them.
struct OffsetTokenEmulator {
    explicit OffsetTokenEmulator(double reject_rate)
    {
        generator.count = 300;
        generator.tags = {"Transcode"};
        generator.spacing_seconds = 10;
        for (auto& job : emulator::generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        emulator::ServerOptions options;
        options.secret_id = testing::kTestSecretId;
        options.secret_key = testing::kTestSecretKey;
        options.offset_tokens = true;
        options.faults.token_reject_rate = reject_rate;
        server = std::make_unique<emulator::EmulatorServer>(dataset, options);
        server->start();
        source.bucket = generator.bucket;
        source.region = generator.region;
        source.endpoint = server->endpoint();
        source.host = source.endpoint.substr(std::string("http://").size());
        source.credentials = {testing::kTestSecretId, testing::kTestSecretKey, ""};
    }

    std::set<std::string> all_ids() const
    {
        std::set<std::string> ids;
        for (const emulator::StoredJob& job : dataset.select({})) {
            ids.insert(job.job_id);
        }
        return ids;
    }

    emulator::GeneratorOptions generator;
    emulator::Dataset dataset;
    std::unique_ptr<emulator::EmulatorServer> server;
    SourceConfig source;
};

// Records what a walk hands over, and checks each restart starts one second
// before the newest creation time handled so far.
class RecordingSink : public PageSink {
public:
    void on_page(const JobsPage& page, bool last_page) override
    {
        for (const JobRecord& job : page.jobs) {
            ids.emplace(job.job_id);
            newest = std::max(newest.value_or(job.creation_time), job.creation_time);
        }
        last_pages += last_page ? 1 : 0;
    }
    void on_restart(std::optional<UnixSeconds> start) override
    {
        REQUIRE(newest);
        CHECK(start == *newest - 1);
        ++restarts;
    }

    std::set<std::string> ids;
    std::optional<UnixSeconds> newest;
    int last_pages = 0;
    int restarts = 0;
};

// Walks `from` over the emulator's Transcode partition into `sink`.
void walk(OffsetTokenEmulator& emulator, int page_size, const PagePosition& from, PageSink& sink)
{
    CiClient client(emulator.source, {}, {});
    const Partition partition{&emulator.source, "Transcode", ""};
    REQUIRE(walk_pages(client, partition, page_size, from, nullptr, sink));
}

} // namespace

TEST_CASE("page_walk: refused offset-like tokens restart the walk and lose no job")
{
    OffsetTokenEmulator emulator(0.3);
    RecordingSink sink;
    walk(emulator, 20, {}, sink);
    CHECK(sink.restarts > 0);
    CHECK(emulator.server->stats().faults_injected == sink.restarts);
    CHECK(sink.last_pages == 1);
    CHECK(sink.ids == emulator.all_ids());
}

TEST_CASE("page_walk: without refusals a walk makes one request per page")
{
    OffsetTokenEmulator emulator(0);
    RecordingSink sink;
    walk(emulator, 20, {}, sink);
    CHECK(sink.restarts == 0);
    CHECK(sink.ids == emulator.all_ids());
    CHECK(emulator.server->stats().jobs_requests == 300 / 20);
}

TEST_CASE("page_walk: a resumed walk restarts from the newest job its caller committed")
{
    OffsetTokenEmulator emulator(1.0); // every token is refused
    class ResumeSink : public RecordingSink {
    public:
        void on_restart(std::optional<UnixSeconds> start) override
        {
            if (restarts++ == 0) {
                CHECK(start == UnixSeconds{1704067200 + 1000 - 1});
            }
        }
    } sink;
    PagePosition from;
    from.next_token = "a-token-the-service-refuses";
    from.newest_committed = 1704067200 + 1000;
    // Each restart commits one page, so refusing every token still ends.
    walk(emulator, 100, from, sink);
    CHECK(sink.restarts > 1);
    std::size_t expected = 0;
    for (const emulator::StoredJob& job : emulator.dataset.select({})) {
        if (job.creation_time > *from.newest_committed - 1) {
            ++expected;
            CHECK(sink.ids.count(job.job_id) == 1);
        }
    }
    CHECK(expected > 100);
}

TEST_CASE("page_walk: the newest creation time of a page")
{
    JobsPage page;
    CHECK_FALSE(newest_creation_time(page).has_value());
    page.jobs.resize(3);
    page.jobs[0].creation_time = 20;
    page.jobs[1].creation_time = 50;
    page.jobs[2].creation_time = 40;
    CHECK(newest_creation_time(page) == UnixSeconds{50});
}

TEST_CASE("page_walk: only no token or no job at all ends a walk, not a page of rejected jobs")
{
    const std::string job = "<JobsDetail><JobId>j1</JobId><Tag>Transcode</Tag>"
                            "<CreationTime>2024-01-01T08:00:00+0800</CreationTime></JobsDetail>";
    const std::string drifted = "<JobsDetail><JobId>j2</JobId><Tag>Transcode</Tag>"
                                "<CreationTime>2024/01/01 08:00:00</CreationTime></JobsDetail>";
    const auto page = [](const std::string& details, const std::string& token) {
        return parse_jobs_page("<Response>" + details + "<NextToken>" + token +
                               "</NextToken></Response>");
    };
    CHECK_FALSE(ends_walk(page(job, "t")));
    const JobsPage rejected = page(drifted + drifted, "t");
    REQUIRE(rejected.jobs.empty());
    REQUIRE(rejected.rejected.size() == 2);
    CHECK_FALSE(ends_walk(rejected));
    CHECK_FALSE(newest_creation_time(rejected).has_value());
    CHECK(ends_walk(page(job, "")));
    CHECK(ends_walk(page(drifted, "")));
    CHECK(ends_walk(page("", "t"))); // no JobsDetail
    CHECK(
        ends_walk(page("<JobsDetail><JobId/></JobsDetail>", "t"))); // the empty-result placeholder
}

namespace {

// Serves the listing's jobs [from, to) with a CreationTime the parser rejects
// (a format drift); they keep their place in the listing. Returns the ids of
// the others.
std::set<std::string> reject_jobs(OffsetTokenEmulator& emulator, std::size_t from, std::size_t to)
{
    emulator::JobQuery query;
    query.ascending = true;
    const std::vector<emulator::StoredJob> jobs = emulator.dataset.select(query);
    std::set<std::string> good;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i < from || i >= to) {
            good.insert(jobs[i].job_id);
            continue;
        }
        emulator::StoredJob job = jobs[i];
        const std::size_t at = job.xml.find("<CreationTime>") + std::strlen("<CreationTime>");
        job.xml.replace(at, job.xml.find("</CreationTime>") - at, "2024/01/01 08:00:00");
        job.spec.reset();
        REQUIRE(emulator.dataset.remove(job.job_id));
        emulator.dataset.add_raw(std::move(job));
    }
    return good;
}

} // namespace

TEST_CASE("page_walk: a page of rejected jobs does not end the walk, also with refused tokens")
{
    OffsetTokenEmulator emulator(0.3);
    const std::set<std::string> good = reject_jobs(emulator, 40, 60); // page 3 of 15
    RecordingSink sink;
    walk(emulator, 20, {}, sink);
    CHECK(sink.restarts > 0);
    CHECK(sink.last_pages == 1);
    CHECK(sink.ids == good);
}

TEST_CASE("page_walk: a service refusing every token after a page of rejected jobs fails the "
          "walk instead of restarting forever")
{
    OffsetTokenEmulator emulator(1.0);
    reject_jobs(emulator, 0, 20); // the first page: no restart point moves past it
    class CountingSink : public PageSink {
    public:
        void on_page(const JobsPage& page, bool /*last_page*/) override
        {
            CHECK(page.jobs.empty());
            ++pages;
        }
        void on_restart(std::optional<UnixSeconds> start) override
        {
            CHECK_FALSE(start.has_value()); // the window's start, again and again
            ++restarts;
        }
        int pages = 0;
        int restarts = 0;
    } sink;
    CiClient client(emulator.source, {}, {});
    const Partition partition{&emulator.source, "Transcode", ""};
    CHECK_THROWS_AS(walk_pages(client, partition, 20, {}, nullptr, sink), PartitionError);
    CHECK(sink.restarts == kMaxRestartsFromOnePoint);
    CHECK(sink.pages == kMaxRestartsFromOnePoint + 1);
}
