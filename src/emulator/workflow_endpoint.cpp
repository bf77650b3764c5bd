// GET /workflow (DescribeMediaWorkflow): the bucket's workflows, paged by
// pageNumber/pageSize, filtered by ids and name.
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>

namespace jobsync::emulator {
namespace {

void append_topology(std::string& body, const WorkflowSpec& workflow)
{
    std::string first_nodes;
    for (const std::string& node : workflow.node_names) {
        first_nodes += (first_nodes.empty() ? "" : ",") + node;
    }
    body += "<Topology><Dependencies>";
    append_element(body, "Start", first_nodes.empty() ? "End" : first_nodes);
    for (const std::string& node : workflow.node_names) {
        append_element(body, node, "End");
    }
    body += "</Dependencies><Nodes><Start><Type>Start</Type><Input><ObjectPrefix>input/"
            "</ObjectPrefix></Input></Start>";
    for (const std::string& node : workflow.node_names) {
        body += '<' + node + '>';
        append_element(body, "Type", node.substr(0, node.rfind('_')));
        body += "</" + node + '>';
    }
    body += "</Nodes></Topology>";
}

void append_workflow(std::string& body, const WorkflowSpec& workflow, const std::string& bucket)
{
    body += "<MediaWorkflowList>";
    append_element(body, "Name", workflow.name);
    append_element(body, "WorkflowId", workflow.workflow_id);
    append_element(body, "State", workflow.state);
    append_element(body, "CreateTime", format_api_time(workflow.create_time, kChinaOffsetMinutes));
    append_element(body, "UpdateTime", format_api_time(workflow.update_time, kChinaOffsetMinutes));
    append_element(body, "BucketId", bucket);
    append_topology(body, workflow);
    body += "</MediaWorkflowList>";
}

} // namespace

HttpResponse RequestHandler::handle_workflow(const Exchange& exchange)
{
    return serve_with_faults(
        exchange,
        [&](std::string& body) -> std::optional<Rejection> {
            const QueryParams& params = exchange.params;
            const auto page_number = positive(find_param(params, "pageNumber"), 1, 1000000);
            const auto page_size = positive(find_param(params, "pageSize"), 10, 100);
            if (!page_number || !page_size) {
                return Rejection{400, "InvalidArgument",
                                 "pageNumber must be >= 1 and pageSize between 1 and 100"};
            }
            const std::shared_ptr<const WorkflowData> data = workflows_.current();
            std::vector<const WorkflowSpec*> chosen;
            std::vector<std::string> missing;
            const std::string* ids = find_param(params, "ids");
            const std::vector<std::string> wanted =
                ids ? split_list(*ids, ',') : std::vector<std::string>{};
            if (wanted.size() > 100) {
                return Rejection{400, "InvalidArgument", "at most 100 ids"};
            }
            const std::string* name = find_param(params, "name");
            for (const WorkflowSpec& workflow : data->workflows) {
                const bool listed =
                    wanted.empty() ||
                    std::find(wanted.begin(), wanted.end(), workflow.workflow_id) != wanted.end();
                if (listed && (!name || name->empty() || workflow.name == *name)) {
                    chosen.push_back(&workflow);
                }
            }
            for (const std::string& id : wanted) {
                const bool known = std::any_of(
                    data->workflows.begin(), data->workflows.end(),
                    [&](const WorkflowSpec& workflow) { return workflow.workflow_id == id; });
                if (!known) {
                    missing.push_back(id);
                }
            }
            const auto total = static_cast<long>(chosen.size());
            const long first = (*page_number - 1) * *page_size;
            body = "<Response>";
            for (long i = first; i < total && i < first + *page_size; ++i) {
                append_workflow(body, *chosen[static_cast<std::size_t>(i)], generator_.bucket);
            }
            append_element(body, "RequestId", exchange.request_id);
            append_element(body, "TotalCount", std::to_string(total));
            append_element(body, "PageNumber", std::to_string(*page_number));
            append_element(body, "PageSize", std::to_string(*page_size));
            for (const std::string& id : missing) {
                append_element(body, "NonExistIDs", id);
            }
            body += "</Response>";
            return std::nullopt;
        },
        workflow_requests_);
}

} // namespace jobsync::emulator
