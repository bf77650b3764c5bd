// GET /workflow, /workflowexecution[/<RunId>] and /inventorytriggerjob[/<id>]
// over loopback, signed: page-number and token paging, inclusive bounds, a
// run's tasks against the jobs /jobs lists, a run finished later, batch jobs
// and their runs, and the fidelity flags /jobs has.
#include "emulator/workflow_generator.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

namespace {

using Node = rapidxml::xml_node<char>;

std::vector<std::string> texts(const Node* root, const char* item, const char* field)
{
    std::vector<std::string> values;
    for (const Node* n = root->first_node(item); n != nullptr; n = n->next_sibling(item)) {
        values.push_back(child_text(n, field));
    }
    return values;
}

Reply get_ok(int port, const std::string& path, const QueryParams& params)
{
    Reply reply = signed_get(port, path, params);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    return reply;
}

// Every value of item/field over the token-paged listing, and the pages.
std::vector<std::string> walk(int port, const std::string& path, QueryParams params,
                              const char* item, const char* field, std::size_t& pages)
{
    std::vector<std::string> values;
    std::string token;
    pages = 0;
    do {
        QueryParams page = params;
        if (!token.empty()) {
            page.emplace_back("nextToken", token);
        }
        const Reply reply = get_ok(port, path, page);
        const ParsedXml xml(reply.body);
        const Node* root = xml.document.first_node("Response");
        for (const std::string& value : texts(root, item, field)) {
            if (!value.empty()) {
                values.push_back(value);
            }
        }
        token = child_text(root, "NextToken");
        ++pages;
    } while (!token.empty());
    return values;
}

std::vector<std::string> run_ids(const WorkflowData& data, const std::string& workflow_id)
{
    std::vector<std::string> ids;
    for (const RunSpec& run : data.runs) {
        if (run.workflow_id == workflow_id) {
            ids.push_back(run.run_id);
        }
    }
    return ids;
}

WorkflowData derive(const ServerFixture& fixture)
{
    return derive_workflow_data(fixture.generator, fixture.dataset.workflow_specs());
}

} // namespace

TEST_CASE("emulator workflows: GET /workflow pages through more workflows than one page")
{
    ServerFixture fixture;
    std::set<std::string> seen;
    long total = 0;
    std::set<std::string> states;
    for (int page = 1; page <= 3; ++page) {
        const Reply reply = get_ok(fixture.port, "/workflow",
                                   {{"pageNumber", std::to_string(page)}, {"pageSize", "5"}});
        const ParsedXml xml(reply.body);
        const Node* root = xml.document.first_node("Response");
        total = std::stol(child_text(root, "TotalCount"));
        CHECK(child_text(root, "PageNumber") == std::to_string(page));
        CHECK(child_text(root, "RequestId") == reply.header("x-ci-request-id"));
        const auto ids = texts(root, "MediaWorkflowList", "WorkflowId");
        CHECK(ids.size() == (page < 3 ? 5U : 2U));
        seen.insert(ids.begin(), ids.end());
        for (const std::string& state : texts(root, "MediaWorkflowList", "State")) {
            states.insert(state);
        }
        CHECK(reply.body.find("<Topology><Dependencies>") != std::string::npos);
    }
    CHECK(total == 12);
    CHECK(seen.size() == 12);
    CHECK(states == std::set<std::string>{"Active", "Paused"});
    // The workflows jobs name are among them, under the name the jobs carry.
    const std::string used = workflow_id_for_slot(fixture.generator.seed, 0);
    CHECK(seen.count(used) == 1);
    const Reply filtered = get_ok(fixture.port, "/workflow", {{"ids", used + ",wnope"}});
    const ParsedXml xml(filtered.body);
    const Node* root = xml.document.first_node("Response");
    CHECK(texts(root, "MediaWorkflowList", "Name") ==
          std::vector<std::string>{workflow_name_for_id(used)});
    CHECK(child_text(root, "NonExistIDs") == "wnope");
    CHECK(signed_get(fixture.port, "/workflow", {{"pageSize", "101"}}).status == 400);
}

TEST_CASE("emulator workflows: a workflow's runs, token-paged, with inclusive creation bounds")
{
    ServerFixture fixture(600);
    const WorkflowData data = derive(fixture);
    const std::string workflow = workflow_id_for_slot(fixture.generator.seed, 1);
    const std::vector<std::string> expected = run_ids(data, workflow);
    REQUIRE(expected.size() > 6);

    std::size_t pages = 0;
    const auto listed = walk(fixture.port, "/workflowexecution",
                             {{"workflowId", workflow}, {"size", "3"}, {"orderByTime", "Asc"}},
                             "WorkflowExecutionList", "RunId", pages);
    CHECK(listed == expected);
    CHECK(pages == (expected.size() + 2) / 3);

    // workflowId is required; size at most 100; Pause is not a run state.
    const Reply missing = signed_get(fixture.port, "/workflowexecution", {{"size", "3"}});
    CHECK(missing.status == 400);
    CHECK_THAT(error_message(missing), Catch::Contains("workflowId"));
    CHECK(
        signed_get(fixture.port, "/workflowexecution", {{"workflowId", workflow}, {"size", "101"}})
            .status == 400);
    CHECK(signed_get(fixture.port, "/workflowexecution",
                     {{"workflowId", workflow}, {"states", "Pause"}})
              .status == 400);

    // Both bounds at one run's creation second list that run: >= and <=.
    const RunSpec* middle = nullptr;
    for (const RunSpec& run : data.runs) {
        if (run.workflow_id == workflow && run.run_id == expected[expected.size() / 2]) {
            middle = &run;
        }
    }
    REQUIRE(middle != nullptr);
    const std::string at = format_api_time(middle->create_time, 480);
    const auto bounded = walk(fixture.port, "/workflowexecution",
                              {{"workflowId", workflow},
                               {"startCreationTime", at},
                               {"endCreationTime", at},
                               {"size", "100"}},
                              "WorkflowExecutionList", "RunId", pages);
    CHECK(std::find(bounded.begin(), bounded.end(), middle->run_id) != bounded.end());
    // Run times carry the colon the service's run samples show.
    const Reply page =
        get_ok(fixture.port, "/workflowexecution", {{"workflowId", workflow}, {"size", "1"}});
    const ParsedXml xml(page.body);
    const std::string created = child_text(
        xml.document.first_node("Response")->first_node("WorkflowExecutionList"), "CreateTime");
    CHECK(created.substr(created.size() - 6) == "+08:00");
    CHECK(parse_api_time(created).has_value());
}

TEST_CASE("emulator workflows: a run's detail lists its tasks; the first is a job /jobs lists")
{
    ServerFixture fixture;
    const WorkflowData data = derive(fixture);
    REQUIRE_FALSE(data.runs.empty());
    const RunSpec* with_unlisted = nullptr;
    for (const RunSpec& run : data.runs) {
        if (run.tasks.size() > 1) {
            with_unlisted = &run;
            break;
        }
    }
    REQUIRE(with_unlisted != nullptr);
    const Reply reply = get_ok(fixture.port, "/workflowexecution/" + with_unlisted->run_id, {});
    const ParsedXml xml(reply.body);
    const Node* run = xml.document.first_node("Response")->first_node("WorkflowExecution");
    REQUIRE(run != nullptr);
    CHECK(child_text(run, "RunId") == with_unlisted->run_id);
    const std::string name = child_text(run, "WorkflowName") + child_text(run, "Name");
    CHECK(name == with_unlisted->workflow_name);
    const auto job_ids = texts(run, "Tasks", "JobId");
    REQUIRE(job_ids.size() == with_unlisted->tasks.size());

    // The first task is a job of the dataset whose Workflow element names this run and node.
    const auto job = fixture.dataset.find(job_ids[0]);
    REQUIRE(job.has_value());
    const std::string job_xml = *fixture.dataset.detail_xml(job_ids[0]);
    CHECK(job_xml.find("<RunId>" + with_unlisted->run_id + "</RunId>") != std::string::npos);
    const std::string node = texts(run, "Tasks", "Name")[0];
    CHECK(job_xml.find("<Name>" + node + "</Name>") != std::string::npos);
    CHECK(job_xml.find("<WorkflowName>" + with_unlisted->workflow_name + "</WorkflowName>") !=
          std::string::npos);
    CHECK(texts(run, "Tasks", "State")[0] == job->state);
    // The others name jobs no listing holds.
    for (std::size_t i = 1; i < job_ids.size(); ++i) {
        CHECK_FALSE(fixture.dataset.find(job_ids[i]).has_value());
    }
    const Reply unknown = signed_get(fixture.port, "/workflowexecution/inope", {});
    CHECK(unknown.status == 404);
}

TEST_CASE("emulator workflows: a Running run finishes when an admin call finishes it")
{
    ServerFixture fixture;
    JobSpec job = generate_job(fixture.generator, 900000, "Transcode",
                               fixture.generator.first_creation_time + 86400);
    job.workflow_id = workflow_id_for_slot(fixture.generator.seed, 2);
    job.state = "Running";
    job.progress = 40;
    job.start_time = job.creation_time + 1;
    job.end_time.reset();
    job.output_files.clear();
    fixture.dataset.add(job);
    const std::string run_id = workflow_run_id_for(job);

    const auto state_of = [&] {
        const Reply reply = get_ok(fixture.port, "/workflowexecution/" + run_id, {});
        const ParsedXml xml(reply.body);
        const Node* run = xml.document.first_node("Response")->first_node("WorkflowExecution");
        return std::make_pair(child_text(run, "State"), texts(run, "Tasks", "EndTime"));
    };
    const auto before = state_of();
    CHECK(before.first == "Running");
    for (const std::string& end : before.second) {
        CHECK(end == "-");
    }
    const Reply finished = admin(fixture.port, "POST", "/_emulator/finish?runs=" + run_id);
    REQUIRE(finished.status == 200);
    CHECK(finished.body == "1\n");
    const auto after = state_of();
    CHECK((after.first == "Success" || after.first == "Failed"));
    for (const std::string& end : after.second) {
        CHECK(parse_api_time(end).has_value());
    }
    CHECK(fixture.dataset.find(job.job_id)->state == "Success");
}

TEST_CASE("emulator workflows: batch jobs, their runs by jobId, one by id, NonExistJobId")
{
    ServerFixture fixture(600);
    const WorkflowData data = derive(fixture);
    std::size_t pages = 0;
    const auto listed = walk(fixture.port, "/inventorytriggerjob",
                             {{"size", "2"}, {"orderByTime", "Asc"}}, "JobsDetail", "JobId", pages);
    std::vector<std::string> expected;
    std::set<std::string> types;
    for (const BatchJobSpec& batch : data.batch_jobs) {
        expected.push_back(batch.job_id);
        types.insert(batch.type);
    }
    REQUIRE(expected.size() >= 3);
    CHECK(listed == expected);
    CHECK(pages == (expected.size() + 1) / 2);
    CHECK(types == std::set<std::string>{"Job", "Workflow"});

    const auto by_type =
        walk(fixture.port, "/inventorytriggerjob", {{"type", "Job"}}, "JobsDetail", "Type", pages);
    CHECK(by_type == std::vector<std::string>{"Job", "Job"});

    // A Workflow batch job's runs are listed with jobId=.
    const BatchJobSpec* batch = nullptr;
    for (const BatchJobSpec& candidate : data.batch_jobs) {
        if (candidate.type == "Workflow") {
            batch = &candidate;
        }
    }
    REQUIRE(batch != nullptr);
    std::vector<std::string> started;
    for (const RunSpec& run : data.runs) {
        if (run.batch_job_id == batch->job_id) {
            started.push_back(run.run_id);
        }
    }
    REQUIRE_FALSE(started.empty());
    const auto runs = walk(fixture.port, "/workflowexecution",
                           {{"workflowId", batch->workflow_id},
                            {"jobId", batch->job_id},
                            {"orderByTime", "Asc"},
                            {"size", "100"}},
                           "WorkflowExecutionList", "RunId", pages);
    CHECK(runs == started);
    CHECK(runs.size() < run_ids(data, batch->workflow_id).size());

    const Reply one = get_ok(fixture.port, "/inventorytriggerjob/" + batch->job_id, {});
    const ParsedXml xml(one.body);
    const Node* root = xml.document.first_node("Response");
    CHECK(texts(root, "JobsDetail", "JobId") == std::vector<std::string>{batch->job_id});
    CHECK(child_text(root->first_node("JobsDetail"), "CreationTime").substr(19) == "+0800");
    const Reply none = get_ok(fixture.port, "/inventorytriggerjob/bnope", {});
    const ParsedXml none_xml(none.body);
    CHECK(child_text(none_xml.document.first_node("Response"), "NonExistJobId") == "bnope");
}

TEST_CASE("emulator workflows: signatures, strict times, a denied path, faults and counts")
{
    ServerOptions options;
    options.api.strict_times = true;
    ServerFixture fixture(240, {}, options);
    const std::string workflow = workflow_id_for_slot(fixture.generator.seed, 0);
    SignOptions wrong;
    wrong.secret_key = "not-the-key";
    for (const char* path : {"/workflow", "/workflowexecution", "/inventorytriggerjob"}) {
        INFO(path);
        const Reply refused = signed_get(fixture.port, path, {{"workflowId", workflow}}, wrong);
        CHECK(refused.status == 403);
        CHECK(error_code(refused) == "SignatureDoesNotMatch");
    }
    CHECK(fixture.server->stats().rejected_signatures == 3);
    CHECK(fixture.server->stats().workflow_requests == 0);

    // Strict times: only +0800 in the bounds, as for /jobs.
    const Reply colon =
        signed_get(fixture.port, "/workflowexecution",
                   {{"workflowId", workflow}, {"startCreationTime", "2024-01-01T00:00:00+08:00"}});
    CHECK(colon.status == 400);
    CHECK(signed_get(fixture.port, "/inventorytriggerjob",
                     {{"endCreationTime", "2024-01-01 00:00:00+0800"}})
              .status == 400);
    get_ok(fixture.port, "/workflowexecution",
           {{"workflowId", workflow}, {"startCreationTime", "2024-01-01T00:00:00+0800"}});
    get_ok(fixture.port, "/workflow", {});
    get_ok(fixture.port, "/inventorytriggerjob", {});
    CHECK(fixture.server->stats().workflow_requests == 3);
    CHECK(fixture.server->stats().jobs_requests == 0);

    // A key refused one API (its CAM action missing): only that path answers 403.
    FaultOptions denied;
    denied.denied_path = "/workflowexecution";
    fixture.server->set_faults(denied);
    const Reply refused = signed_get(fixture.port, "/workflowexecution/" + workflow, {});
    CHECK(refused.status == 403);
    CHECK(error_code(refused) == "AccessDenied");
    CHECK(signed_get(fixture.port, "/workflowexecution", {{"workflowId", workflow}}).status == 403);
    get_ok(fixture.port, "/workflow", {});
    CHECK(signed_get(fixture.port, "/jobs", {{"tag", "Transcode"}}).status == 200);
    CHECK(fixture.server->stats().faults_injected == 2);
    fixture.server->reset_stats();

    FaultOptions faults;
    faults.server_error_rate = 1.0;
    fixture.server->set_faults(faults);
    for (const char* path : {"/workflow", "/workflowexecution", "/inventorytriggerjob"}) {
        const Reply failed = signed_get(fixture.port, path, {{"workflowId", workflow}});
        CHECK(failed.status == 500);
    }
    CHECK(fixture.server->stats().faults_injected == 3);
    CHECK(fixture.server->stats().workflow_requests == 0);
}
