// What the workflow endpoints give tests and benchmarks beyond their bodies:
// a bucket with more workflows than one page (--workflows), the request log
// and its per-endpoint counts, runs added by an admin call, a path denied
// from the command line, and offset tokens and strict signing on the run and
// batch-job listings.
#include "emulator/emulator_command_line.hpp"
#include "emulator/request_log.hpp"
#include "emulator/workflow_generator.hpp"
#include "support/emulator_client.hpp"
#include "support/signed_call.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

namespace {

using Node = rapidxml::xml_node<char>;

// An emulator whose generator lists `workflows` workflows.
struct WorkflowServer {
    explicit WorkflowServer(std::size_t workflows, ServerOptions options = {})
    {
        generator = small_options(300);
        generator.workflows = workflows;
        for (JobSpec& job : generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        options.generator = generator;
        options.admin_token = kAdminToken;
        server = std::make_unique<EmulatorServer>(dataset, options);
        server->start();
        port = server->port();
    }

    WorkflowData data() const { return derive_workflow_data(generator, dataset.workflow_specs()); }

    GeneratorOptions generator;
    Dataset dataset;
    std::unique_ptr<EmulatorServer> server;
    int port = 0;
};

std::vector<std::string> texts(const Node* root, const char* item, const char* field)
{
    std::vector<std::string> values;
    for (const Node* n = root->first_node(item); n != nullptr; n = n->next_sibling(item)) {
        values.push_back(child_text(n, field));
    }
    return values;
}

std::string first_token(int port, const std::string& path, const QueryParams& params)
{
    const Reply reply = signed_get(port, path, params);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    const ParsedXml xml(reply.body);
    return child_text(xml.document.first_node("Response"), "NextToken");
}

} // namespace

TEST_CASE("emulator workflow counts: --workflows N lists N workflows, pageSize honoured")
{
    WorkflowServer emulator(230);
    const WorkflowData data = emulator.data();
    REQUIRE(data.workflows.size() == 230);
    std::set<std::string> seen;
    std::size_t paused = 0;
    for (int page = 1; page <= 3; ++page) {
        const Reply reply = signed_get(emulator.port, "/workflow",
                                       {{"pageNumber", std::to_string(page)}, {"pageSize", "100"}});
        REQUIRE(reply.status == 200);
        const ParsedXml xml(reply.body);
        const Node* root = xml.document.first_node("Response");
        CHECK(child_text(root, "TotalCount") == "230");
        CHECK(child_text(root, "PageSize") == "100");
        const auto ids = texts(root, "MediaWorkflowList", "WorkflowId");
        CHECK(ids.size() == (page < 3 ? 100U : 30U));
        seen.insert(ids.begin(), ids.end());
        const auto states = texts(root, "MediaWorkflowList", "State");
        paused += static_cast<std::size_t>(std::count(states.begin(), states.end(), "Paused"));
    }
    CHECK(seen.size() == 230);
    CHECK(paused == 230 / 4);
    // Past the last page: none, and the total still right.
    const Reply beyond =
        signed_get(emulator.port, "/workflow", {{"pageNumber", "4"}, {"pageSize", "100"}});
    const ParsedXml xml(beyond.body);
    CHECK(texts(xml.document.first_node("Response"), "MediaWorkflowList", "WorkflowId").empty());
    CHECK(child_text(xml.document.first_node("Response"), "TotalCount") == "230");
    // Only the first kWorkflowsWithJobs have runs.
    std::set<std::string> with_runs;
    for (const RunSpec& run : data.runs) {
        with_runs.insert(run.workflow_id);
    }
    CHECK(with_runs.size() == kWorkflowsWithJobs);

    // The default is 12, the last quarter paused, as before the option.
    WorkflowServer plain(12);
    CHECK(plain.data().workflows.size() == 12);
    CHECK(derive_workflow_data(small_options(300), {}).workflows.size() == 12);
}

TEST_CASE("emulator workflow counts: the request log and the 200s per endpoint")
{
    CHECK(request_kind("/jobs") == RequestKind::jobs_list);
    CHECK(request_kind("/jobs/ja,jb") == RequestKind::jobs_by_id);
    CHECK(request_kind("/workflow") == RequestKind::workflow_list);
    CHECK(request_kind("/workflowexecution") == RequestKind::run_list);
    CHECK(request_kind("/workflowexecution/i1") == RequestKind::run_detail);
    CHECK(request_kind("/inventorytriggerjob") == RequestKind::batch_list);
    CHECK(request_kind("/inventorytriggerjob/b1") == RequestKind::batch_detail);
    CHECK(request_kind("/workflows") == RequestKind::other);
    CHECK(request_kind("/queue") == RequestKind::queue_list);

    WorkflowServer emulator(12);
    const WorkflowData data = emulator.data();
    REQUIRE_FALSE(data.runs.empty());
    const std::string workflow = data.runs.front().workflow_id;
    const std::string run_id = data.runs.front().run_id;
    CHECK(signed_get(emulator.port, "/workflow", {}).status == 200);
    CHECK(signed_get(emulator.port, "/workflowexecution", {{"workflowId", workflow}}).status ==
          200);
    CHECK(signed_get(emulator.port, "/workflowexecution/" + run_id, {}).status == 200);
    CHECK(signed_get(emulator.port, "/workflowexecution/" + run_id, {}).status == 200);
    CHECK(signed_get(emulator.port, "/workflowexecution", {}).status == 400); // no workflowId
    CHECK(signed_get(emulator.port, "/inventorytriggerjob", {}).status == 200);
    CHECK(signed_get(emulator.port, "/inventorytriggerjob/bnope", {}).status == 200);
    CHECK(admin(emulator.port, "GET", "/_emulator/stats").status == 200); // not logged

    const ServerStats stats = emulator.server->stats();
    CHECK(stats.workflow_list_requests == 1);
    CHECK(stats.run_list_requests == 1);
    CHECK(stats.run_detail_requests == 2);
    CHECK(stats.batch_list_requests == 1);
    CHECK(stats.batch_detail_requests == 1);
    CHECK(stats.workflow_requests == 6);
    const std::vector<LoggedRequest> log = emulator.server->request_log();
    REQUIRE(log.size() == 7);
    CHECK(log[0].path == "/workflow");
    CHECK(log[1].query == "workflowId=" + workflow);
    CHECK(log[2].path == "/workflowexecution/" + run_id);
    CHECK(log[4].status == 400);
    const Reply text = admin(emulator.port, "GET", "/_emulator/stats");
    CHECK_THAT(text.body, Catch::Contains(" run_detail_requests=2 ") &&
                              Catch::Contains(" run_list_requests=1 ") &&
                              Catch::Contains(" request_log_dropped=0"));

    emulator.server->reset_stats();
    CHECK(emulator.server->request_log().empty());
    CHECK(emulator.server->stats().run_detail_requests == 0);

    RequestLog small(2);
    small.record(200, "/workflowexecution/a", "");
    small.record(200, "/workflowexecution/b", "");
    small.record(503, "/workflowexecution/c", "");
    small.record(200, "/workflowexecution/d", "");
    CHECK(small.entries().size() == 2);
    CHECK(small.dropped() == 2);
    CHECK(small.answered(RequestKind::run_detail) == 3); // counted past the capacity too
    CHECK(small.text() == "200 /workflowexecution/a\n200 /workflowexecution/b\n");
}

TEST_CASE("emulator workflow counts: POST /_emulator/jobs?workflow= adds runs of that workflow")
{
    WorkflowServer emulator(12);
    const std::string workflow = workflow_id_for_slot(emulator.generator.seed, 1);
    const auto runs_of = [&] {
        const WorkflowData data = emulator.data();
        return std::count_if(data.runs.begin(), data.runs.end(),
                             [&](const RunSpec& run) { return run.workflow_id == workflow; });
    };
    const auto before = runs_of();
    const Reply added =
        admin(emulator.port, "POST", "/_emulator/jobs?count=3&workflow=" + workflow);
    INFO(added.body);
    REQUIRE(added.status == 200);
    CHECK(runs_of() == before + 3);
    CHECK(emulator.data().workflows.size() == 12); // no new workflow

    const Reply unknown = admin(emulator.port, "POST", "/_emulator/jobs?count=1&workflow=wnope");
    CHECK(unknown.status == 400);
    CHECK_THAT(error_message(unknown), Catch::Contains("no such workflow: wnope"));
    CHECK(runs_of() == before + 3);
}

TEST_CASE("emulator workflow counts: --workflows and --denied-path on the command line")
{
    const EmulatorSettings s =
        parse_emulator_arguments({"--workflows", "230", "--denied-path", "/workflowexecution"});
    CHECK(s.server.generator.workflows == 230);
    CHECK(s.server.faults.denied_path == "/workflowexecution");
    CHECK(parse_emulator_arguments({}).server.generator.workflows == 12);
    const auto error_of = [](const std::vector<std::string>& args) {
        try {
            parse_emulator_arguments(args);
        } catch (const UsageError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    CHECK(error_of({"--workflows", "2"}) == "--workflows needs an integer in 3..100000, got '2'");
    CHECK(error_of({"--denied-path", "workflowexecution"}) ==
          "--denied-path needs a path starting with /, got 'workflowexecution'");
    CHECK(std::string(emulator_usage()).find("[--workflows N]") != std::string::npos);

    // The flag's path answers 403 AccessDenied in the service's error body; others are served.
    ServerOptions options;
    options.faults = s.server.faults;
    WorkflowServer emulator(12, options);
    const std::string workflow = workflow_id_for_slot(emulator.generator.seed, 0);
    const Reply denied =
        signed_get(emulator.port, "/workflowexecution", {{"workflowId", workflow}});
    CHECK(denied.status == 403);
    CHECK(error_code(denied) == "AccessDenied");
    CHECK(denied.body.find("<RequestId>") != std::string::npos);
    CHECK(signed_get(emulator.port, "/inventorytriggerjob", {}).status == 200);
    CHECK(signed_get(emulator.port, "/workflow", {}).status == 200);
}

TEST_CASE("emulator workflow counts: offset tokens and strict signing on the run and batch "
          "listings")
{
    ServerOptions options;
    options.offset_tokens = true;
    options.api.strict_signing = true;
    WorkflowServer emulator(12, options);
    const std::string workflow = workflow_id_for_slot(emulator.generator.seed, 0);
    const QueryParams runs{{"workflowId", workflow}, {"size", "2"}};
    const QueryParams batches{{"size", "1"}};
    // The same position, asked twice (and with other bounds), gets the same token.
    const std::string token = first_token(emulator.port, "/workflowexecution", runs);
    CHECK_FALSE(token.empty());
    CHECK(first_token(emulator.port, "/workflowexecution", runs) == token);
    QueryParams bounded = runs;
    bounded.emplace_back("endCreationTime", "2030-01-01T00:00:00+0800");
    CHECK(first_token(emulator.port, "/workflowexecution", bounded) == token);
    const std::string batch_token = first_token(emulator.port, "/inventorytriggerjob", batches);
    CHECK_FALSE(batch_token.empty());
    CHECK(first_token(emulator.port, "/inventorytriggerjob", batches) == batch_token);
    // Another workflow's listing does not take this one's token.
    const std::string other = workflow_id_for_slot(emulator.generator.seed, 1);
    const Reply foreign = signed_get(emulator.port, "/workflowexecution",
                                     {{"workflowId", other}, {"size", "2"}, {"nextToken", token}});
    CHECK(foreign.status == 400);

    // Strict signing: a parameter left out of q-url-param-list is refused on each listing.
    for (const char* path : {"/workflowexecution", "/inventorytriggerjob", "/workflow"}) {
        INFO(path);
        SignedCall call;
        call.path = path;
        call.params = {{"workflowId", workflow}};
        CHECK(send_signed(emulator.port, call).status == 200);
        call.sign_params = false;
        const jobsync::HttpResponse refused = send_signed(emulator.port, call);
        CHECK(refused.status == 403);
        CHECK(refused.body.find("SignatureDoesNotMatch") != std::string::npos);
    }
}
