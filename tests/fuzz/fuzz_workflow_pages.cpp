// Fuzz target: the workflow, workflow-run (list and detail) and batch-job page
// parsers on any bytes. Besides not crashing, every record they return must
// be storable: a key within its column, text valid UTF-8, times in range, the
// detail accepted by the xml type.
#include "jobsync/core/errors.hpp"
#include "jobsync/core/utf8.hpp"
#include "jobsync/parse/batch_job_page.hpp"
#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/workflow_pages.hpp"
#include "jobsync/xml/xml_chars.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

using namespace jobsync;

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

void require_key(std::string_view id)
{
    require(!id.empty() && id.size() <= kMaxKeyBytes && is_valid_utf8(id), "id storable");
}

void require_texts(std::initializer_list<OptText> values)
{
    for (const OptText value : values) {
        require(!value || is_valid_utf8(*value), "text UTF-8");
    }
}

void require_times(std::initializer_list<std::optional<UnixSeconds>> values)
{
    for (const auto& value : values) {
        require(!value || is_storable_time(*value), "time range");
    }
}

void require_detail(std::string_view detail)
{
    require(is_valid_utf8(detail) && !xml::repair_for_xml_column(detail), "detail storable");
}

void require_page(const ListingBuffers& page)
{
    require(is_valid_utf8(page.next_token), "NextToken UTF-8");
    for (const std::string& id : page.nonexistent_ids) {
        require(is_valid_utf8(id) && !id.empty(), "NonExist id");
    }
}

void check_runs(const WorkflowRunPage& page)
{
    require_page(page);
    for (const WorkflowRunRecord& run : page.records) {
        require_key(run.run_id);
        require_texts({run.workflow_id, run.workflow_name, run.object, run.state});
        require_times({run.create_time});
        require_detail(run.detail_xml);
        int ordinal = 0;
        for (const WorkflowTaskRecord& task : run.tasks) {
            require(task.ordinal == ++ordinal, "task ordinals 1..n");
            require_texts(
                {task.node_name, task.type, task.job_id, task.state, task.code, task.message});
            require_times({task.create_time, task.start_time, task.end_time});
        }
    }
}

template <typename Parse> void run_parser(Parse&& parse)
{
    try {
        parse();
    } catch (const RetryableError&) {
    } catch (const PartitionError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string body(reinterpret_cast<const char*>(data), size);
    run_parser([&] {
        const WorkflowPage page = parse_workflow_page(body);
        require_page(page);
        for (const WorkflowRecord& workflow : page.records) {
            require_key(workflow.workflow_id);
            require_texts({workflow.name, workflow.state, workflow.bucket_id});
            require_times({workflow.create_time, workflow.update_time});
            require_detail(workflow.detail_xml);
        }
    });
    run_parser([&] { check_runs(parse_workflow_run_page(body)); });
    run_parser([&] { check_runs(parse_workflow_run_detail(body)); });
    run_parser([&] {
        const BatchJobPage page = parse_batch_job_page(body);
        require_page(page);
        for (const BatchJobRecord& job : page.records) {
            require_key(job.job_id);
            require_texts({job.type, job.name, job.state, job.code, job.message});
            require_times({job.creation_time, job.start_time, job.end_time});
            require_detail(job.detail_xml);
        }
    });
    return 0;
}
