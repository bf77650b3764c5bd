// How a refused by-id batch is bisected, the run's by-id refusals, and
// CiClient::describe_jobs' checks.
#include "jobsync/api/ci_client.hpp"
#include "jobsync/api/id_batch.hpp"
#include "jobsync/core/errors.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace jobsync;

namespace {

std::vector<std::string> ids(int count)
{
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        out.push_back("j" + std::to_string(i));
    }
    return out;
}

// A service that answers 400 to any batch naming one of `bad`, and records
// what it was asked.
struct RefusingService {
    std::vector<std::string> bad;
    std::vector<std::vector<std::string>> asked;
    int status = 400;

    void operator()(const std::vector<std::string>& batch)
    {
        asked.push_back(batch);
        for (const std::string& id : batch) {
            if (std::find(bad.begin(), bad.end(), id) != bad.end()) {
                ServiceErrorDetails details;
                details.http_status = status;
                throw PartitionError("refused " + id, details);
            }
        }
    }
};

} // namespace

TEST_CASE("id_batch: a batch with one refused id is bisected down to it; the others are fetched")
{
    RefusingService service{{"j6"}, {}};
    const std::vector<RefusedId> refused =
        send_bisecting(ids(10), [&](const auto& batch) { service(batch); });
    REQUIRE(refused.size() == 1);
    CHECK(refused.front().id == "j6");
    CHECK_THAT(refused.front().error, Catch::Contains("refused j6"));
    // Every other id was in a batch the service answered.
    std::vector<std::string> fetched;
    for (const auto& batch : service.asked) {
        if (std::find(batch.begin(), batch.end(), "j6") == batch.end()) {
            fetched.insert(fetched.end(), batch.begin(), batch.end());
        }
    }
    std::sort(fetched.begin(), fetched.end());
    std::vector<std::string> others = ids(10);
    others.erase(std::find(others.begin(), others.end(), "j6"));
    std::sort(others.begin(), others.end());
    CHECK(fetched == others);
    CHECK(service.asked.size() <= 9); // 1 + 2 per halving level (10, 5, 3, 2, 1)
}

TEST_CASE("id_batch: nothing is remembered: the next batch is sent whole")
{
    RefusingService service{{"j3"}, {}};
    send_bisecting(ids(10), [&](const auto& batch) { service(batch); });
    service.asked.clear();
    service.bad.clear();
    CHECK(send_bisecting(ids(10), [&](const auto& batch) { service(batch); }).empty());
    REQUIRE(service.asked.size() == 1);
    CHECK(service.asked.front().size() == 10);
}

TEST_CASE("id_batch: several refused ids are each found; other errors propagate unsplit")
{
    RefusingService service{{"j0", "j9"}, {}};
    const auto refused = send_bisecting(ids(10), [&](const auto& batch) { service(batch); });
    REQUIRE(refused.size() == 2);
    CHECK(refused[0].id == "j0");
    CHECK(refused[1].id == "j9");

    RefusingService forbidden{{"j1"}, {}, 403};
    CHECK_THROWS_AS(send_bisecting(ids(10), [&](const auto& batch) { forbidden(batch); }),
                    PartitionError);
    CHECK(forbidden.asked.size() == 1);
}

TEST_CASE("id_batch: a bucket's by-id refusal is recorded once, with its first error")
{
    ByIdRefusals refusals;
    CHECK_FALSE(refusals.refusal("b-1"));
    std::vector<std::thread> threads;
    std::atomic<int> first{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&refusals, &first, i] {
            if (refusals.record("b-1", "403 #" + std::to_string(i))) {
                first.fetch_add(1);
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    CHECK(first.load() == 1);
    REQUIRE(refusals.refusal("b-1"));
    CHECK_THAT(*refusals.refusal("b-1"), Catch::StartsWith("403 #"));
    CHECK_FALSE(refusals.refusal("b-2"));
}

TEST_CASE("describe_jobs: no ids sends nothing; an id that is not plain is skipped, never sent")
{
    const testing::EmulatorFixture emulator(testing::generated_jobs(5, 1, {"Transcode"}));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});

    const JobsById none = client.describe_jobs({});
    CHECK(none.pages.empty());
    CHECK(none.non_existent_ids.empty());
    const JobsById odd = client.describe_jobs({"j2/../../queue", "job.odd.1"});
    CHECK(odd.pages.empty());
    CHECK(odd.refused_ids == std::vector<std::string>{"j2/../../queue", "job.odd.1"});
    CHECK(emulator.server->stats().requests == 0);
    CHECK_THROWS_WITH(join_job_ids({"j1", "j2/../../queue"}),
                      Catch::Contains("'j2/../../queue' is not a plain id"));
}

TEST_CASE("describe_jobs: an id the service refuses alone is skipped; a 403 is thrown")
{
    const testing::EmulatorFixture emulator(testing::generated_jobs(6, 2, {"Transcode"}));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});
    std::vector<std::string> all;
    for (const auto& job : emulator.dataset.specs()) {
        all.push_back(job.job_id);
    }
    REQUIRE(all.size() == 6);
    emulator::FaultOptions faults;
    faults.refused_job_ids = {all[4]};
    emulator.server->set_faults(faults);
    client.set_ids_per_request(3);

    const JobsById found = client.describe_jobs(all);
    CHECK(found.refused_ids == std::vector<std::string>{all[4]});
    long jobs = 0;
    for (const JobsPage& page : found.pages) {
        jobs += static_cast<long>(page.jobs.size());
    }
    CHECK(jobs == 5);

    faults.refuse_by_id = true;
    emulator.server->set_faults(faults);
    try {
        client.describe_jobs(all);
        FAIL("a 403 must be thrown");
    } catch (const PartitionError& e) {
        CHECK(e.details().http_status == 403);
        CHECK(e.details().code == "AccessDenied");
    }
}
