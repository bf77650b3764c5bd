#include "jobsync/parse/batch_job_page.hpp"

#include "jobsync/parse/field_values.hpp"

namespace jobsync {

namespace {

constexpr ItemShape kBatchJobShape{"/inventorytriggerjob", "JobsDetail", "JobId"};

} // namespace

BatchJobPage parse_batch_job_page(std::string body)
{
    BatchJobPage page;
    page.body = std::move(body);
    xml::TextReader reader(page.decoded);
    read_listing(kBatchJobShape, page, reader, [&](const xml::Node* item, std::size_t position) {
        JobContext ctx{reader, page.warnings, {}, position};
        const std::optional<ItemStart> start =
            start_item(kBatchJobShape, page, ctx, item, position);
        if (!start) {
            return;
        }
        BatchJobRecord job;
        job.job_id = start->id;
        job.detail_xml = start->detail_xml;
        job.type = ctx.child_text(item, "Type");
        job.name = ctx.child_text(item, "Name");
        job.state = ctx.child_text(item, "State");
        job.code = ctx.child_text(item, "Code");
        job.message = ctx.child_text(item, "Message");
        job.creation_time = ctx.time(ctx.child_text(item, "CreationTime"), "CreationTime");
        job.start_time = ctx.time(ctx.child_text(item, "StartTime"), "StartTime");
        job.end_time = ctx.time(ctx.child_text(item, "EndTime"), "EndTime");
        page.records.push_back(job);
    });
    return page;
}

} // namespace jobsync
