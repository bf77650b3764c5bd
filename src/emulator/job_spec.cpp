#include "emulator/job_spec.hpp"

#include "emulator/xml_escape.hpp"

#include <string_view>

namespace jobsync::emulator {
namespace {

std::string time_text(const std::optional<UnixSeconds>& t, bool blank)
{
    return !t && blank ? "" : wire_time(t);
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

// ObjectName elements, then one Md5Info per file.
void append_file_list(std::string& out, const std::vector<const OutputFileSpec*>& group)
{
    append_element(out, "Bucket", group.front()->bucket);
    append_element(out, "Region", group.front()->region);
    append_element(out, "ObjectPrefix", group.front()->object_prefix);
    for (const OutputFileSpec* file : group) {
        append_element(out, "ObjectName", file->object_name);
    }
    for (const OutputFileSpec* file : group) {
        open_tag(out, "Md5Info");
        append_element(out, "Md5", file->md5);
        append_element(out, "ObjectName", file->object_name);
        close_tag(out, "Md5Info");
    }
}

// The service lists every file of one location in a single OutputFile; sprite
// sheets go in the first one's SpriteOutputFile.
void append_media_result(std::string& out, const std::vector<OutputFileSpec>& files,
                         const std::vector<OutputFileSpec>& sprites)
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
        append_file_list(out, group);
        if (i == 0 && !sprites.empty()) {
            std::vector<const OutputFileSpec*> sprite_group;
            for (const OutputFileSpec& sprite : sprites) {
                sprite_group.push_back(&sprite);
            }
            open_tag(out, "SpriteOutputFile");
            append_file_list(out, sprite_group);
            close_tag(out, "SpriteOutputFile");
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
    append_element(out, "WorkflowName", workflow_name_for(job));
    append_element(out, "RunId", workflow_run_id_for(job));
    append_element(out, "Name", job.tag + "_1");
    close_tag(out, "Workflow");
}

const char* output_element(const std::string& kind)
{
    return kind == "sprite"       ? "SpriteObject"
           : kind == "audio"      ? "AuObject"
           : kind == "background" ? "BassObject"
                                  : "DrumObject";
}

void append_output(std::string& out, const JobSpec& job)
{
    if (job.output_object.empty() && job.extra_outputs.empty()) {
        return; // analysis jobs write no object
    }
    open_tag(out, "Output");
    append_element(out, "Region", job.output_region);
    append_element(out, "Bucket", job.output_bucket);
    if (!job.output_object.empty()) {
        append_element(out, "Object", job.output_object);
    }
    for (const OutputObjectSpec& extra : job.extra_outputs) {
        if (extra.kind != "stream_extract") {
            append_element(out, output_element(extra.kind), extra.object);
            continue;
        }
        open_tag(out, "StreamExtract");
        append_element(out, "Index", extra.stream_index);
        append_element(out, "Object", extra.object);
        close_tag(out, "StreamExtract");
    }
    close_tag(out, "Output");
}

void append_input(std::string& out, const JobSpec& job)
{
    open_tag(out, "Input");
    append_element(out, "BucketId", job.input_bucket);
    append_element(out, "Object", job.input_object);
    append_element(out, "Region", job.input_region);
    if (!job.input_url.empty()) {
        append_element(out, "Url", job.input_url);
    }
    for (const auto& [key, value] : job.cos_headers) {
        open_tag(out, "CosHeaders");
        append_element(out, "Key", key);
        append_element(out, "Value", value);
        close_tag(out, "CosHeaders");
    }
    close_tag(out, "Input");
}

void append_operation(std::string& out, const JobSpec& job)
{
    open_tag(out, "Operation");
    append_element(out, "TemplateId", job.template_id);
    for (const std::string& id : job.watermark_template_ids) {
        append_element(out, "WatermarkTemplateId", id);
    }
    out += job.extra_operation_xml;
    out += job.settings_xml;
    append_output(out, job);
    append_element(out, "UserData", job.user_data);
    append_element(out, "JobLevel", std::to_string(job.job_level));
    if (!job.format_fields.empty()) {
        append_media_info(out, job);
    }
    if (!job.output_files.empty()) {
        append_media_result(out, job.output_files, job.sprite_files);
    }
    out += job.result_xml;
    close_tag(out, "Operation");
}

} // namespace

std::string wire_time(const std::optional<UnixSeconds>& instant)
{
    return instant ? format_api_time(*instant, kChinaOffsetMinutes) : "-";
}

std::string workflow_name_for_id(std::string_view workflow_id)
{
    return "workflow-" + std::string(workflow_id.substr(workflow_id.empty() ? 0 : 1, 8));
}

std::string workflow_name_for(const JobSpec& job)
{
    return workflow_name_for_id(job.workflow_id);
}

std::string workflow_run_id_for(const JobSpec& job)
{
    return "i" + std::string(std::string_view(job.job_id).substr(job.job_id.empty() ? 0 : 1));
}

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
    append_element(out, "StartTime", time_text(job.start_time, job.blank_times));
    append_element(out, "EndTime", time_text(job.end_time, job.blank_times));
    append_element(out, "QueueId", job.queue_id);
    if (!job.queue_type.empty()) {
        append_element(out, "QueueType", job.queue_type);
    }
    append_input(out, job);
    if (!job.workflow_id.empty()) {
        append_workflow(out, job);
    }
    append_operation(out, job);
    close_tag(out, "JobsDetail");
    return std::string(out);
}

} // namespace jobsync::emulator
