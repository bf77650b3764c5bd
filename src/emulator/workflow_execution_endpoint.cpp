// GET /workflowexecution (a workflow's runs: workflowId required, inclusive
// creation-time bounds, token paging like /jobs; jobId = a batch job's id
// lists the runs it started) and GET /workflowexecution/<RunId> (one run
// with its Tasks).
#include "emulator/listing_request.hpp"
#include "emulator/page_token.hpp"
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/run_execution.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>
#include <utility>

namespace jobsync::emulator {
namespace {

const std::string kPrefix = "/workflowexecution/";

struct RunsRequest {
    JobQuery query; // tag "workflowexecution"; queue_id holds jobId, input_object name
    std::size_t size = 10;
    std::string next_token;
};

std::optional<std::string> parse_runs_request(const QueryParams& params, bool strict_times,
                                              RunsRequest& out)
{
    const std::string* workflow_id = value_of(params, "workflowId");
    if (!workflow_id) {
        return std::string("the workflowId parameter is required");
    }
    out.query.tag = "workflowexecution";
    out.query.workflow_id = *workflow_id;
    const std::pair<const char*, std::string*> strings[] = {{"jobId", &out.query.queue_id},
                                                            {"name", &out.query.input_object},
                                                            {"nextToken", &out.next_token}};
    for (const auto& [name, target] : strings) {
        if (const std::string* value = value_of(params, name)) {
            *target = *value;
        }
    }
    if (auto error = parse_order(params, out.query.ascending)) {
        return error;
    }
    if (auto error = parse_size(params, out.size)) {
        return error;
    }
    if (auto error = parse_states(params, {"All", "Success", "Failed", "Running", "Cancel"},
                                  out.query.states)) {
        return error;
    }
    if (auto error = parse_time(params, "startCreationTime", strict_times, out.query.start)) {
        return error;
    }
    return parse_time(params, "endCreationTime", strict_times, out.query.end);
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
    RunsRequest request;
    if (const auto problem = parse_runs_request(params, strict_times, request)) {
        return Rejection{400, "InvalidArgument", *problem};
    }
    const UnixSeconds now = now_unix_seconds();
    const std::string digest = filter_digest(request.query, tokens.style);
    std::uint64_t offset = 0;
    if (auto refused = resume_offset(request.next_token, digest, tokens, now, offset)) {
        return refused;
    }
    std::vector<const RunSpec*> selected;
    for (const RunSpec& run : data.runs) {
        if (matches(run, request.query)) {
            selected.push_back(&run);
        }
    }
    if (!request.query.ascending) {
        std::reverse(selected.begin(), selected.end());
    }
    body = "<Response>";
    append_element(body, "RequestId", request_id);
    const std::size_t end = std::min<std::size_t>(selected.size(), offset + request.size);
    for (std::size_t i = offset; i < end; ++i) {
        append_list_item(body, *selected[i]);
    }
    const std::string next_token =
        end < selected.size() ? issue_token(end, digest, tokens, now) : std::string();
    append_element(body, "NextToken", next_token);
    body += "</Response>";
    return std::nullopt;
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
