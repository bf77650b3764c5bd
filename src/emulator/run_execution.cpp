#include "emulator/run_execution.hpp"

#include "emulator/prng.hpp"
#include "emulator/xml_escape.hpp"

namespace jobsync::emulator {
namespace {

// The WorkflowFinish sample writes a space for the 'T'.
std::string callback_time(UnixSeconds instant)
{
    std::string text = format_api_time(instant, kChinaOffsetMinutes);
    text[text.find('T')] = ' ';
    return text;
}

// Tasks mirror their jobs, whose times are "+0800".
void append_task_fields(std::string& body, const RunTaskSpec& task)
{
    append_element(body, "Type", task.type);
    append_element(body, "CreateTime", wire_time(task.create_time));
    append_element(body, "EndTime", wire_time(task.end_time));
    append_element(body, "State", task.state);
    append_element(body, "JobId", task.job_id);
    append_element(body, "Name", task.node_name);
    append_element(body, "StartTime", wire_time(task.start_time));
    append_element(body, "Code", task.code);
    append_element(body, "Message", task.message);
}

void append_topology(std::string& body, const RunSpec& run)
{
    body += "<Topology><Dependencies>";
    std::string nodes;
    for (const RunTaskSpec& task : run.tasks) {
        nodes += (nodes.empty() ? "" : ",") + task.node_name;
    }
    append_element(body, "Start", nodes);
    for (const RunTaskSpec& task : run.tasks) {
        append_element(body, task.node_name, "End");
    }
    body += "</Dependencies></Topology>";
}

} // namespace

std::string run_wire_time(UnixSeconds instant)
{
    std::string text = format_api_time(instant, kChinaOffsetMinutes);
    text.insert(text.size() - 2, ":");
    return text;
}

std::string workflow_execution_xml(const RunSpec& run, const std::string& bucket,
                                   ExecutionShape shape)
{
    std::string body = "<WorkflowExecution>";
    append_element(body, "RunId", run.run_id);
    if (shape == ExecutionShape::callback) {
        append_element(body, "BucketId", bucket);
        append_element(body, "Object", run.object);
        append_element(body, "WorkflowId", run.workflow_id);
        append_element(body, "WorkflowName", run.workflow_name);
        append_element(body, "CreateTime", callback_time(run.create_time));
        append_element(body, "State", run.state);
        body += "<Tasks>";
        for (const RunTaskSpec& task : run.tasks) {
            body += "<Task>";
            append_task_fields(body, task);
            body += "</Task>";
        }
        body += "</Tasks></WorkflowExecution>";
        return body;
    }
    append_element(body, "WorkflowId", run.workflow_id);
    // One of the service's samples names the workflow in Name.
    append_element(body, hash64(run.run_id) % 5 == 0 ? "Name" : "WorkflowName", run.workflow_name);
    append_element(body, "State", run.state);
    append_element(body, "CreateTime", run_wire_time(run.create_time));
    append_element(body, "Object", run.object);
    append_topology(body, run);
    for (const RunTaskSpec& task : run.tasks) {
        body += "<Tasks>";
        append_task_fields(body, task);
        body += "</Tasks>";
    }
    body += "</WorkflowExecution>";
    return body;
}

} // namespace jobsync::emulator
