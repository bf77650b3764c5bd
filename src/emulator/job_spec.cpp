#include "emulator/job_spec.hpp"

#include "emulator/xml_escape.hpp"

#include <string_view>

namespace jobsync::emulator {
namespace {

constexpr int kChinaOffsetMinutes = 480; // the service answers in +0800

std::string time_text(const std::optional<UnixSeconds>& t)
{
    return t ? format_api_time(*t, kChinaOffsetMinutes) : "-";
}

void open_tag(std::string& out, std::string_view name)
{
    out += '<';
    out += name;
    out += '>';
}

void close_tag(std::string& out, std::string_view name)
{
    out += "</";
    out += name;
    out += '>';
}

void append_fields(std::string& out, const ElementList& fields)
{
    for (const auto& [name, value] : fields) {
        append_element(out, name, value);
    }
}

void append_media_info(std::string& out, const JobSpec& job)
{
    open_tag(out, "MediaInfo");
    open_tag(out, "Format");
    append_fields(out, job.format_fields);
    close_tag(out, "Format");
    open_tag(out, "Stream");
    for (const StreamSpec& stream : job.streams) {
        const char* name = stream.kind == "audio"      ? "Audio"
                           : stream.kind == "subtitle" ? "Subtitle"
                                                       : "Video";
        if (stream.fields.empty()) {
            out += '<';
            out += name;
            out += "/>";
            continue;
        }
        open_tag(out, name);
        append_fields(out, stream.fields);
        close_tag(out, name);
    }
    close_tag(out, "Stream");
    close_tag(out, "MediaInfo");
}

bool same_location(const OutputFileSpec& a, const OutputFileSpec& b)
{
    return a.bucket == b.bucket && a.region == b.region && a.object_prefix == b.object_prefix;
}

// The service lists every file of one location in a single OutputFile:
// the ObjectName elements, then one Md5Info per file.
void append_media_result(std::string& out, const std::vector<OutputFileSpec>& files)
{
    open_tag(out, "MediaResult");
    std::vector<bool> done(files.size(), false);
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (done[i]) {
            continue;
        }
        std::vector<const OutputFileSpec*> group;
        for (std::size_t j = i; j < files.size(); ++j) {
            if (!done[j] && same_location(files[i], files[j])) {
                group.push_back(&files[j]);
                done[j] = true;
            }
        }
        open_tag(out, "OutputFile");
        append_element(out, "Bucket", files[i].bucket);
        append_element(out, "Region", files[i].region);
        append_element(out, "ObjectPrefix", files[i].object_prefix);
        for (const OutputFileSpec* file : group) {
            append_element(out, "ObjectName", file->object_name);
        }
        for (const OutputFileSpec* file : group) {
            open_tag(out, "Md5Info");
            append_element(out, "Md5", file->md5);
            append_element(out, "ObjectName", file->object_name);
            close_tag(out, "Md5Info");
        }
        close_tag(out, "OutputFile");
    }
    close_tag(out, "MediaResult");
}

// Only the id is stored; the other Workflow fields follow from it and the
// job, so re-rendering a job gives the same bytes.
void append_workflow(std::string& out, const JobSpec& job)
{
    open_tag(out, "Workflow");
    append_element(out, "WorkflowId", job.workflow_id);
    const std::string_view id = job.workflow_id;
    append_element(out, "WorkflowName", "workflow-" + std::string(id.substr(1, 8)));
    append_element(
        out, "RunId",
        "i" + std::string(std::string_view(job.job_id).substr(job.job_id.empty() ? 0 : 1)));
    append_element(out, "Name", job.tag + "_1");
    close_tag(out, "Workflow");
}

void append_operation(std::string& out, const JobSpec& job)
{
    open_tag(out, "Operation");
    append_element(out, "TemplateId", job.template_id);
    for (const std::string& id : job.watermark_template_ids) {
        append_element(out, "WatermarkTemplateId", id);
    }
    out += job.extra_operation_xml;
    open_tag(out, "Output");
    append_element(out, "Region", job.output_region);
    append_element(out, "Bucket", job.output_bucket);
    append_element(out, "Object", job.output_object);
    close_tag(out, "Output");
    append_element(out, "UserData", job.user_data);
    append_element(out, "JobLevel", std::to_string(job.job_level));
    if (!job.format_fields.empty()) {
        append_media_info(out, job);
    }
    if (!job.output_files.empty()) {
        append_media_result(out, job.output_files);
    }
    close_tag(out, "Operation");
}

} // namespace

std::string render_job_xml(const JobSpec& job)
{
    // Built in a reused buffer and copied out at its exact size: a dataset
    // keeps hundreds of thousands of these, and growth by doubling would
    // leave a third of each allocation unused.
    thread_local std::string out;
    out.clear();
    open_tag(out, "JobsDetail");
    append_element(out, "Code", job.code);
    append_element(out, "Message", job.message);
    append_element(out, "JobId", job.job_id);
    append_element(out, "Tag", job.tag);
    if (!job.sub_tag.empty()) {
        append_element(out, "SubTag", job.sub_tag);
    }
    append_element(out, "State", job.state);
    append_element(out, "Progress", std::to_string(job.progress));
    append_element(out, "CreationTime", format_api_time(job.creation_time, kChinaOffsetMinutes));
    append_element(out, "StartTime", time_text(job.start_time));
    append_element(out, "EndTime", time_text(job.end_time));
    append_element(out, "QueueId", job.queue_id);
    if (!job.queue_type.empty()) {
        append_element(out, "QueueType", job.queue_type);
    }
    open_tag(out, "Input");
    append_element(out, "BucketId", job.input_bucket);
    append_element(out, "Object", job.input_object);
    append_element(out, "Region", job.input_region);
    close_tag(out, "Input");
    if (!job.workflow_id.empty()) {
        append_workflow(out, job);
    }
    append_operation(out, job);
    close_tag(out, "JobsDetail");
    return std::string(out);
}

} // namespace jobsync::emulator
