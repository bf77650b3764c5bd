// GET /workflowexecution (a workflow's runs: workflowId required, inclusive
// creation-time bounds, token paging like /jobs; jobId = a batch job's id
// lists the runs it started) and GET /workflowexecution/<RunId> (one run
// with its Tasks).
#include "emulator/listing_page.hpp"
#include "emulator/listing_request.hpp"
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/run_execution.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>
#include <utility>

namespace jobsync::emulator {
namespace {

const std::string kPrefix = "/workflowexecution/";

// tag "workflowexecution"; queue_id holds jobId, input_object name
std::optional<std::string> parse_runs_request(const QueryParams& params, bool strict_times,
                                              ListingRequest& out)
{
    const std::string* workflow_id = value_of(params, "workflowId");
    if (!workflow_id) {
        return std::string("the workflowId parameter is required");
    }
    out.query.tag = "workflowexecution";
    out.query.workflow_id = *workflow_id;
    return parse_listing_params(
        params, {{"jobId", &out.query.queue_id}, {"name", &out.query.input_object}},
        {"All", "Success", "Failed", "Running", "Cancel"}, strict_times, out);
}

// Inclusive bounds, unlike /jobs.
bool matches(const RunSpec& run, const JobQuery& query)
{
    const bool any_state =
        query.states.empty() ||
        std::find(query.states.begin(), query.states.end(), "All") != query.states.end();
    return run.workflow_id == query.workflow_id &&
           (query.queue_id.empty() || run.batch_job_id == query.queue_id) &&
           (query.input_object.empty() || run.object == query.input_object) &&
           (any_state ||
            std::find(query.states.begin(), query.states.end(), run.state) != query.states.end()) &&
           (!query.start || run.create_time >= *query.start) &&
           (!query.end || run.create_time <= *query.end);
}

void append_list_item(std::string& body, const RunSpec& run)
{
    body += "<WorkflowExecutionList>";
    append_element(body, "RunId", run.run_id);
    append_element(body, "WorkflowId", run.workflow_id);
    append_element(body, "State", run.state);
    append_element(body, "CreateTime", run_wire_time(run.create_time));
    append_element(body, "Object", run.object);
    body += "</WorkflowExecutionList>";
}

std::optional<Rejection> list_runs(const QueryParams& params, const WorkflowData& data,
                                   const TokenRules& tokens, bool strict_times,
                                   const std::string& request_id, std::string& body)
{
    ListingRequest request;
    if (const auto problem = parse_runs_request(params, strict_times, request)) {
        return Rejection{400, "InvalidArgument", *problem};
    }
    return list_page(
        request, data.runs, tokens, request_id, nullptr,
        [](const RunSpec& run, const JobQuery& query) { return matches(run, query); },
        append_list_item, body);
}

std::optional<Rejection> describe_run(const std::string& run_id, const WorkflowData& data,
                                      const std::string& bucket, const std::string& request_id,
                                      std::string& body)
{
    const auto found = std::find_if(data.runs.begin(), data.runs.end(),
                                    [&](const RunSpec& run) { return run.run_id == run_id; });
    if (found == data.runs.end()) {
        return Rejection{404, "NoSuchResource", "workflow execution " + run_id + " does not exist"};
    }
    body = "<Response>";
    append_element(body, "RequestId", request_id);
    body += workflow_execution_xml(*found, bucket, ExecutionShape::detail);
    body += "</Response>";
    return std::nullopt;
}

} // namespace

HttpResponse RequestHandler::handle_workflow_execution(const Exchange& exchange)
{
    return serve_with_faults(
        exchange,
        [&](std::string& body) -> std::optional<Rejection> {
            const std::shared_ptr<const WorkflowData> data = workflows_.current();
            const std::string& path = exchange.request.path;
            return path.size() > kPrefix.size()
                       ? describe_run(path.substr(kPrefix.size()), *data, generator_.bucket,
                                      exchange.request_id, body)
                       : list_runs(exchange.params, *data, token_rules(), rules_.strict_times,
                                   exchange.request_id, body);
        },
        workflow_requests_);
}

} // namespace jobsync::emulator
