// CiClient::describe_workflow_run: GET /workflowexecution/<RunId>, signed,
// against the emulator (the run with its tasks; an unknown run's 404 is a
// refusal), a service answering a run it does not know without a
// WorkflowExecution, and ids that cannot go in the path.
#include "emulator/workflow_generator.hpp"
#include "jobsync/api/ci_client.hpp"
#include "jobsync/core/errors.hpp"
#include "support/canned_server.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("ci_client workflow run: the detail of a run, with its tasks, over the signed path")
{
    const testing::EmulatorFixture emulator(
        testing::generated_jobs(240, 23, {"Transcode", "Snapshot"}));
    const emulator::WorkflowData data =
        emulator::derive_workflow_data(emulator.generator, emulator.dataset.workflow_specs());
    REQUIRE_FALSE(data.runs.empty());
    const emulator::RunSpec& run = data.runs.back();
    const SourceConfig source = testing::source_for(emulator); // the client keeps a reference
    CiClient client(source, {}, {});

    const WorkflowRunPage page = client.describe_workflow_run(run.run_id);
    REQUIRE(page.records.size() == 1);
    const WorkflowRunRecord& record = page.records.front();
    CHECK(record.run_id == run.run_id);
    CHECK(record.from_detail);
    CHECK(record.state == std::optional<std::string_view>(run.state));
    REQUIRE(record.tasks.size() == run.tasks.size());
    CHECK(record.tasks.front().job_id == std::optional<std::string_view>(run.tasks.front().job_id));
    CHECK(client.counters().requests == 1);
    CHECK(emulator.server->stats().rejected_signatures == 0);

    // The emulator answers an unknown run 404: a refusal, not an absence.
    CHECK_THROWS_WITH(client.describe_workflow_run("inosuchrun"),
                      Catch::Contains("GET /workflowexecution/inosuchrun") &&
                          Catch::Contains("404"));
}

TEST_CASE("ci_client workflow run: a run the service does not know, and an id that cannot go "
          "in the path")
{
    testing::CannedServer canned;
    SourceConfig source;
    source.bucket = "examplebucket-1250000000";
    source.endpoint = canned.endpoint();
    source.host = source.endpoint.substr(std::string("http://").size());
    source.credentials = {testing::kTestSecretId, testing::kTestSecretKey, ""};
    CiClient client(source, {}, {});

    canned.respond("200 OK", "application/xml",
                   "<Response><RequestId>r1</RequestId><NonExistJobId>i404</NonExistJobId>"
                   "</Response>");
    const WorkflowRunPage absent = client.describe_workflow_run("i404");
    CHECK(absent.records.empty());
    CHECK(absent.nonexistent_ids == std::vector<std::string>{"i404"});
    CHECK(canned.requests() == 1);

    for (const std::string bad : {"i1/../jobs", "i1,i2", "i1?x=1", ""}) {
        INFO(bad);
        CHECK_THROWS_AS(client.describe_workflow_run(bad), PartitionError);
    }
    CHECK_THROWS_WITH(client.describe_workflow_run("i1/x"),
                      Catch::Contains("'i1/x' cannot go in a GET /workflowexecution/<RunId> path"));
    CHECK(canned.requests() == 1); // none of them was sent
}
