#include "jobsync/parse/workflow_pages.hpp"

#include "jobsync/parse/field_values.hpp"

namespace jobsync {

namespace {

using xml::child;
using xml::Node;

constexpr ItemShape kWorkflowShape{"/workflow", "MediaWorkflowList", "WorkflowId"};
constexpr ItemShape kRunListShape{"/workflowexecution", "WorkflowExecutionList", "RunId"};
constexpr ItemShape kRunDetailShape{"/workflowexecution", "WorkflowExecution", "RunId"};

void read_task(JobContext& ctx, const Node* task, int ordinal, WorkflowRunRecord& run)
{
    WorkflowTaskRecord record;
    record.ordinal = ordinal;
    record.node_name = ctx.child_text(task, "Name");
    record.type = ctx.child_text(task, "Type");
    record.job_id = ctx.indexed(ctx.child_text(task, "JobId"), "Tasks/JobId");
    record.state = ctx.child_text(task, "State");
    record.code = ctx.child_text(task, "Code");
    record.message = ctx.child_text(task, "Message");
    record.create_time = ctx.time(ctx.child_text(task, "CreateTime"), "Tasks/CreateTime");
    record.start_time = ctx.time(ctx.child_text(task, "StartTime"), "Tasks/StartTime");
    record.end_time = ctx.time(ctx.child_text(task, "EndTime"), "Tasks/EndTime");
    run.tasks.push_back(record);
}

// Tasks repeats once per task; a Tasks holding Task elements (the shape of
// the WorkflowFinish callback) is read as a list of them.
void read_tasks(JobContext& ctx, const Node* execution, WorkflowRunRecord& run)
{
    int ordinal = 0;
    for (const Node* tasks = child(execution, "Tasks"); tasks; tasks = xml::next_same(tasks)) {
        const Node* first_task = child(tasks, "Task");
        if (first_task == nullptr) {
            read_task(ctx, tasks, ++ordinal, run);
            continue;
        }
        for (const Node* task = first_task; task; task = xml::next_same(task)) {
            read_task(ctx, task, ++ordinal, run);
        }
    }
}

WorkflowRunPage parse_runs(std::string body, const ItemShape& shape, bool detail)
{
    WorkflowRunPage page;
    page.body = std::move(body);
    xml::TextReader reader(page.decoded);
    read_listing(shape, page, reader, [&](const Node* item, std::size_t position) {
        JobContext ctx{reader, page.warnings, {}, position, "RunId"};
        const std::optional<ItemStart> start = start_item(shape, page, ctx, item, position);
        if (!start) {
            return;
        }
        WorkflowRunRecord run;
        run.run_id = start->id;
        run.detail_xml = start->detail_xml;
        run.workflow_id = ctx.indexed(ctx.child_text(item, "WorkflowId"), "WorkflowId");
        run.workflow_name = ctx.child_text(item, "WorkflowName");
        if (!run.workflow_name) {
            run.workflow_name = ctx.child_text(item, "Name");
        }
        run.object = ctx.child_text(item, "Object");
        run.state = ctx.child_text(item, "State");
        run.create_time = ctx.time(ctx.child_text(item, "CreateTime"), "CreateTime");
        run.from_detail = detail;
        if (detail) {
            read_tasks(ctx, item, run);
        }
        page.records.push_back(std::move(run));
    });
    return page;
}

} // namespace

WorkflowPage parse_workflow_page(std::string body)
{
    WorkflowPage page;
    page.body = std::move(body);
    xml::TextReader reader(page.decoded);
    read_listing(kWorkflowShape, page, reader, [&](const Node* item, std::size_t position) {
        JobContext ctx{reader, page.warnings, {}, position, "WorkflowId"};
        const std::optional<ItemStart> start =
            start_item(kWorkflowShape, page, ctx, item, position);
        if (!start) {
            return;
        }
        WorkflowRecord workflow;
        workflow.workflow_id = start->id;
        workflow.detail_xml = start->detail_xml;
        workflow.name = ctx.child_text(item, "Name");
        workflow.state = ctx.child_text(item, "State");
        workflow.bucket_id = ctx.child_text(item, "BucketId");
        workflow.create_time = ctx.time(ctx.child_text(item, "CreateTime"), "CreateTime");
        workflow.update_time = ctx.time(ctx.child_text(item, "UpdateTime"), "UpdateTime");
        page.records.push_back(workflow);
    });
    return page;
}

WorkflowRunPage parse_workflow_run_page(std::string body)
{
    return parse_runs(std::move(body), kRunListShape, false);
}

WorkflowRunPage parse_workflow_run_detail(std::string body)
{
    return parse_runs(std::move(body), kRunDetailShape, true);
}

} // namespace jobsync
