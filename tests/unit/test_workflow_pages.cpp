// The workflow and batch-job page parsers on the API notes' shapes: the three
// time spellings, Name for WorkflowName, Tasks repeated, "-" placeholders,
// an item without its id, NonExist ids, and the errors of a bad body.
#include "jobsync/core/errors.hpp"
#include "jobsync/parse/batch_job_page.hpp"
#include "jobsync/parse/workflow_pages.hpp"

#include "support/test_data.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;

namespace {

std::string show(OptText value)
{
    return value ? std::string(*value) : "<null>";
}

} // namespace

TEST_CASE("workflow_pages: a workflow list page, page numbers and a rejected item")
{
    const WorkflowPage page = parse_workflow_page(testing::read_xml_fixture("workflow_list.xml"));
    REQUIRE(page.records.size() == 2);
    CHECK(page.total_count == 12);
    CHECK(page.page_number == 1);
    CHECK(page.page_size == 3);
    CHECK(page.nonexistent_ids == std::vector<std::string>{"w0000"});

    const WorkflowRecord& first = page.records[0];
    CHECK(first.workflow_id == "w5307ee7a60d6489383c3921c715dd1c5");
    CHECK(show(first.name) == "video-pipeline");
    CHECK(show(first.state) == "Active");
    CHECK(show(first.bucket_id) == "test-1234567890");
    CHECK(first.create_time == 1660028057); // +08:00
    CHECK(first.update_time == 1660093200); // +0800
    CHECK(first.detail_xml.substr(0, 19) == "<MediaWorkflowList>");
    CHECK(first.detail_xml.find("<Transcode_1581665960537>") != std::string_view::npos);

    const WorkflowRecord& second = page.records[1];
    CHECK(show(second.name) == "covers & snapshots");
    CHECK(second.create_time == 1631602826); // a space for the T
    CHECK_FALSE(second.update_time.has_value());

    REQUIRE(page.rejected.size() == 1);
    CHECK(page.rejected[0].reason == "MediaWorkflowList #3 has no WorkflowId");
    CHECK(page.rejected[0].position == 3);
    REQUIRE(page.warnings.size() == 2);
    CHECK(page.warnings[0].message ==
          "WorkflowId w9a2c1f0b7e4d4b8a8f0c5d6e7f8a9b0c: UpdateTime 'not a time' is not a valid "
          "time");
    CHECK(page.warnings[1].outcome == WarningOutcome::job_quarantined);
}

TEST_CASE("workflow_pages: a run list page with its NextToken")
{
    const WorkflowRunPage page =
        parse_workflow_run_page(testing::read_xml_fixture("workflow_runs.xml"));
    CHECK(page.next_token == "25");
    REQUIRE(page.records.size() == 2);
    const WorkflowRunRecord& run = page.records[0];
    CHECK(run.run_id == "i166ee19017b011eda8a5525400c540df");
    CHECK(show(run.workflow_id) == "w5307ee7a60d6489383c3921c715dd1c5");
    CHECK(show(run.state) == "Success");
    CHECK(show(run.object) == "input/demo.mp4");
    CHECK(run.create_time == 1660028057);
    CHECK_FALSE(run.from_detail);
    CHECK(run.tasks.empty());
    CHECK(show(page.records[1].object) == "用户上传/Tom & Jerry.mp4");
    CHECK(page.records[1].create_time == 1656314590);
    REQUIRE(page.rejected.size() == 1);
    CHECK(page.rejected[0].reason == "WorkflowExecutionList #3 has no RunId");
    CHECK(page.rejected[0].detail_xml.find("<State>Failed</State>") != std::string_view::npos);
}

TEST_CASE("workflow_pages: a run's detail with its tasks in order")
{
    const WorkflowRunPage page =
        parse_workflow_run_detail(testing::read_xml_fixture("workflow_run_detail.xml"));
    REQUIRE(page.records.size() == 1);
    const WorkflowRunRecord& run = page.records[0];
    CHECK(run.from_detail);
    CHECK(run.run_id == "i166ee19017b011eda8a5525400c540df");
    CHECK(show(run.workflow_name) == "video-pipeline"); // spelled Name in this sample
    CHECK(show(run.state) == "Failed");
    CHECK(run.detail_xml.substr(0, 19) == "<WorkflowExecution>");
    REQUIRE(run.tasks.size() == 3);
    const WorkflowTaskRecord& transcode = run.tasks[0];
    CHECK(transcode.ordinal == 1);
    CHECK(show(transcode.node_name) == "Transcode_1581665960537");
    CHECK(show(transcode.type) == "Transcode");
    CHECK(show(transcode.job_id) == "j16a8c8f817b011ed9ccb4f3d1bfc4d0b");
    CHECK(show(transcode.state) == "Success");
    CHECK(transcode.create_time == 1660028058);
    CHECK(transcode.start_time == 1660028059);
    CHECK(transcode.end_time == 1660028103);
    const WorkflowTaskRecord& snapshot = run.tasks[1];
    CHECK(snapshot.ordinal == 2);
    CHECK(show(snapshot.code) == "InvalidInput");
    CHECK(show(snapshot.message) == "decode failed <h264>");
    const WorkflowTaskRecord& cover = run.tasks[2];
    CHECK(cover.ordinal == 3);
    CHECK(show(cover.state) == "Running");
    CHECK_FALSE(cover.start_time.has_value()); // "-"
    CHECK_FALSE(cover.end_time.has_value());
    CHECK(show(cover.code) == "<null>");
    CHECK(page.warnings.empty());
}

TEST_CASE("workflow_pages: Tasks holding Task elements, as the WorkflowFinish callback nests them")
{
    const WorkflowRunPage page = parse_workflow_run_detail(
        "<Response><WorkflowExecution><RunId>i1</RunId><WorkflowName>wf</WorkflowName>"
        "<CreateTime>2021-09-14 15:00:26+0800</CreateTime><Tasks>"
        "<Task><Name>A</Name><JobId>j1</JobId></Task><Task><Name>B</Name><JobId>j2</JobId></Task>"
        "</Tasks></WorkflowExecution></Response>");
    REQUIRE(page.records.size() == 1);
    CHECK(show(page.records[0].workflow_name) == "wf");
    CHECK(page.records[0].create_time == 1631602826);
    REQUIRE(page.records[0].tasks.size() == 2);
    CHECK(show(page.records[0].tasks[1].job_id) == "j2");
    CHECK(page.records[0].tasks[1].ordinal == 2);
}

TEST_CASE("batch_job_page: a list page, '-' placeholders, and one by id that does not exist")
{
    const BatchJobPage page = parse_batch_job_page(testing::read_xml_fixture("batch_jobs.xml"));
    CHECK(page.next_token == "25");
    REQUIRE(page.records.size() == 2);
    const BatchJobRecord& done = page.records[0];
    CHECK(done.job_id == "b5fa1e2d8c0a211ed9a7c525400c540df");
    CHECK(show(done.type) == "Workflow");
    CHECK(show(done.name) == "backfill-covers");
    CHECK(show(done.state) == "Success");
    CHECK(show(done.code) == "Success");
    CHECK(done.creation_time == 1656314590);
    CHECK(done.start_time == 1656314592);
    CHECK(done.end_time == 1656316904);
    CHECK(done.detail_xml.find("<WorkflowIds>") != std::string_view::npos);
    const BatchJobRecord& running = page.records[1];
    CHECK(show(running.type) == "Job");
    CHECK(show(running.code) == "<null>");
    CHECK_FALSE(running.start_time.has_value());
    CHECK_FALSE(running.end_time.has_value());
    CHECK(page.warnings.empty());

    const BatchJobPage missing =
        parse_batch_job_page(testing::read_xml_fixture("batch_job_nonexist.xml"));
    CHECK(missing.records.empty()); // the empty <JobsDetail/> is no record
    CHECK(missing.rejected.empty());
    CHECK(missing.nonexistent_ids == std::vector<std::string>{"b0000000000000000000000000000000a"});
}

TEST_CASE("workflow_pages: bad bodies raise the errors /jobs pages do, naming the endpoint")
{
    CHECK_THROWS_AS(parse_workflow_run_page("<Response><WorkflowExecutionList>"), RetryableError);
    CHECK_THROWS_WITH(parse_workflow_run_page("<Response><WorkflowExecutionList>"),
                      Catch::Contains("malformed XML in /workflowexecution response"));
    CHECK_THROWS_AS(parse_batch_job_page("<Error><Code>AccessDenied</Code></Error>"),
                    PartitionError);
    CHECK_THROWS_WITH(parse_batch_job_page("<Error><Code>AccessDenied</Code></Error>"),
                      Catch::Contains("response root is <Error>"));
    CHECK_THROWS_AS(parse_workflow_page(""), RetryableError);
    CHECK_THROWS_WITH(parse_workflow_page(""),
                      Catch::Contains("malformed XML in /workflow response at byte 0"));
    CHECK_THROWS_AS(parse_workflow_run_page("<Response><NextToken>\xff</NextToken></Response>"),
                    PartitionError);
}
