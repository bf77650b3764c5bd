// The listings besides /jobs on the one signed request path: their query
// parameters, GET /workflow's page-numbered discovery, and a workflow's runs
// with inclusive creation-time bounds, against the emulator.
#include "emulator/emulator_server.hpp"
#include "emulator/workflow_generator.hpp"
#include "jobsync/api/ci_client.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace jobsync;

TEST_CASE("ci_client listings: the parameters of /workflowexecution and /inventorytriggerjob")
{
    ListingQuery query;
    query.workflow_id = "w1";
    query.start_creation_time = 0;
    query.end_creation_time = 60;
    query.size = 50;
    query.next_token = "7";
    CHECK(build_listing_params(query) ==
          QueryParams{{"orderByTime", "Asc"},
                      {"size", "50"},
                      {"workflowId", "w1"},
                      {"startCreationTime", "1970-01-01T00:00:00+0000"},
                      {"endCreationTime", "1970-01-01T00:01:00+0000"},
                      {"nextToken", "7"}});
    CHECK(build_listing_params(ListingQuery{}) ==
          QueryParams{{"orderByTime", "Asc"}, {"size", "100"}});
}

TEST_CASE("ci_client listings: every workflow, and a workflow's runs within inclusive bounds")
{
    const testing::EmulatorFixture emulator(
        testing::generated_jobs(240, 29, {"Transcode", "Snapshot"}));
    const SourceConfig source = testing::source_for(emulator);
    CiClient client(source, {}, {});
    const emulator::WorkflowData data =
        emulator::derive_workflow_data(emulator.generator, emulator.dataset.workflow_specs());
    // The server's catalog of workflows comes from its own generator options.
    const emulator::WorkflowData served = emulator::derive_workflow_data(
        emulator::ServerOptions{}.generator, emulator.dataset.workflow_specs());

    int pages = 0;
    const std::vector<std::string> ids = client.list_workflows([&](const WorkflowPage& page) {
        ++pages;
        CHECK(page.total_count == static_cast<long long>(served.workflows.size()));
    });
    std::vector<std::string> expected;
    for (const emulator::WorkflowSpec& workflow : served.workflows) {
        expected.push_back(workflow.workflow_id);
    }
    std::sort(expected.begin(), expected.end());
    CHECK(ids == expected);
    CHECK(pages == 1);

    REQUIRE_FALSE(data.runs.empty());
    const emulator::RunSpec& run = data.runs.front();
    ListingQuery query;
    query.workflow_id = run.workflow_id;
    query.start_creation_time = run.create_time; // inclusive: the run itself is listed
    query.end_creation_time = run.create_time;
    const WorkflowRunPage page = client.list_workflow_runs(query);
    const bool listed =
        std::any_of(page.records.begin(), page.records.end(),
                    [&](const WorkflowRunRecord& r) { return r.run_id == run.run_id; });
    CHECK(listed);
    for (const WorkflowRunRecord& record : page.records) {
        CHECK(record.workflow_id == run.workflow_id);
        CHECK(record.create_time == run.create_time);
    }

    ListingQuery batch;
    batch.size = 100;
    const BatchJobPage batch_page = client.list_batch_jobs(batch);
    CHECK(batch_page.records.size() == std::min<std::size_t>(data.batch_jobs.size(), 100));
}
