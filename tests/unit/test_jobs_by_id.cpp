// GET /jobs/<ids> responses: the jobs found and the ids the service does not know.
#include "jobsync/api/jobs_by_id.hpp"

#include "support/test_data.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

namespace {

const std::string kMissing1 = "jmissing00000000000000000000000001";
const std::string kMissing2 = "jmissing00000000000000000000000002";
const std::string kMissing3 = "jmissing00000000000000000000000003";

} // namespace

TEST_CASE("jobs_by_id: jobs found and a repeated NonExistJobIds")
{
    const JobsByIdPage answer =
        parse_jobs_by_id(testing::read_xml_fixture("jobs_by_id_repeated.xml"));
    REQUIRE(answer.page.jobs.size() == 2);
    CHECK(answer.page.jobs[0].job_id == "j8d121820f5e411ec926ef19d53ba9c6f");
    CHECK(answer.page.jobs[1].job_id == "j9c0a4726f6ac11ec96aaa9b64ab18d00");
    CHECK(answer.page.jobs[0].state == "Success");
    CHECK(answer.page.jobs[1].tag == "Snapshot");
    CHECK(answer.non_existent_ids == std::vector<std::string>{kMissing1, kMissing2});
    // NonExistJobIds is part of the by-id schema, not drift inside a job.
    CHECK(answer.page.unknown_elements.empty());
}

TEST_CASE("jobs_by_id: one NonExistJobIds with one id")
{
    const JobsByIdPage answer =
        parse_jobs_by_id(testing::read_xml_fixture("jobs_by_id_single.xml"));
    REQUIRE(answer.page.jobs.size() == 1);
    CHECK(answer.page.jobs[0].job_id == "j8d121820f5e411ec926ef19d53ba9c6f");
    CHECK(answer.non_existent_ids == std::vector<std::string>{kMissing1});
}

TEST_CASE("jobs_by_id: one comma-joined NonExistJobIds, nothing found")
{
    const JobsByIdPage answer =
        parse_jobs_by_id(testing::read_xml_fixture("jobs_by_id_joined.xml"));
    CHECK(answer.page.jobs.empty());
    CHECK(answer.non_existent_ids == std::vector<std::string>{kMissing1, kMissing2, kMissing3});
}

TEST_CASE("jobs_by_id: all found, or a bad body, as for a list page")
{
    const JobsByIdPage answer =
        parse_jobs_by_id("<Response><JobsDetail><JobId>j1</JobId><Tag>Transcode</Tag>"
                         "<CreationTime>2024-01-01T00:00:00+0000</CreationTime></JobsDetail>"
                         "<NonExistJobIds/></Response>");
    REQUIRE(answer.page.jobs.size() == 1);
    CHECK(answer.page.jobs[0].job_id == "j1");
    CHECK(answer.non_existent_ids.empty());
    CHECK_THROWS_AS(parse_jobs_by_id("<Response><JobsDetail><JobId>j1</JobId>"), RetryableError);
    CHECK_THROWS_AS(parse_jobs_by_id("<Error><Code>NoSuchJob</Code></Error>"), PartitionError);
    CHECK_THROWS_WITH(parse_jobs_by_id("<Response><NonExistJobIds>&#xZZ;</NonExistJobIds>"
                                       "</Response>"),
                      Catch::Contains("NonExistJobIds"));
}

TEST_CASE("jobs_by_id: ids are joined into the path only when plain")
{
    CHECK(join_job_ids({"j1"}) == "j1");
    CHECK(join_job_ids({"j1", "c-2", "b_3"}) == "j1,c-2,b_3");
    for (const std::string bad : {"", "j1,j2", "j/../queue", "j 1", "j?x=1", "j%2C"}) {
        INFO(bad);
        CHECK_THROWS_WITH(join_job_ids({"j1", bad}), Catch::Contains("is not a plain id"));
    }
}
