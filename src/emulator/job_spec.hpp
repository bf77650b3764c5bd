// A job as the emulator knows it: structured, so tests can compare the
// worker's rows field by field with what was served.
#pragma once

#include "jobsync/core/api_time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobsync::emulator {

// The service answers in China time: "+0800" (runs: "+08:00").
inline constexpr int kChinaOffsetMinutes = 480;

// A time as the service writes it ("2024-01-01T08:00:00+0800"); "-" when unset.
std::string wire_time(const std::optional<UnixSeconds>& instant);

using ElementList = std::vector<std::pair<std::string, std::string>>; // element name, text

struct StreamSpec {
    std::string kind;   // "video" | "audio" | "subtitle"
    ElementList fields; // e.g. {"CodecName","h264"}, {"Width","544"}; rendered in this order
};

struct OutputFileSpec {
    std::string bucket, region, object_prefix, object_name, md5;
};

// An Operation/Output object besides Object: kind "sprite" (SpriteObject),
// "audio" (AuObject), "background" (BassObject), "drum" (DrumObject) or
// "stream_extract" (a StreamExtract element with Index and Object).
struct OutputObjectSpec {
    std::string kind, object, stream_index;
};

struct JobSpec {
    std::string job_id, tag, sub_tag, state, code, message, queue_id, queue_type;
    int progress = 0;
    UnixSeconds creation_time = 0;
    std::optional<UnixSeconds> start_time, end_time; // rendered as "-" when absent
    std::string input_bucket, input_region, input_object;
    std::string input_url;   // Input/Url; "" => none
    ElementList cos_headers; // Input/CosHeaders Key/Value, in order
    std::string workflow_id; // "" => not workflow-triggered
    std::string template_id;
    std::vector<std::string> watermark_template_ids;
    std::string output_bucket, output_region, output_object; // Operation/Output
    std::vector<OutputObjectSpec> extra_outputs; // inside Operation/Output, after Object
    std::string user_data;
    int job_level = 0;
    ElementList format_fields;                // MediaInfo/Format; empty => no MediaInfo
    std::vector<StreamSpec> streams;          // MediaInfo/Stream children, in order
    std::vector<OutputFileSpec> output_files; // MediaResult/OutputFile ObjectName+Md5Info each
    std::vector<OutputFileSpec> sprite_files; // in the first OutputFile's SpriteOutputFile
    std::string extra_operation_xml; // verbatim XML inside Operation (e.g. RemoveWatermark)
    std::string settings_xml; // verbatim template settings (Operation/<Tag>...), before Output
    std::string result_xml;   // verbatim type-specific results, after MediaResult
    // What the tag's result view (migrations/0003) returns for this job: one
    // ElementList of (column, text) per row, in row order; empty => no rows.
    std::vector<ElementList> result_rows;
    bool blank_times = false; // unset StartTime/EndTime rendered empty (older samples), not "-"
};

// The Workflow fields rendered for a workflow-triggered job, derived from the
// job so re-rendering gives the same bytes.
std::string workflow_name_for(const JobSpec& job);
std::string workflow_name_for_id(std::string_view workflow_id);
std::string workflow_run_id_for(const JobSpec& job);

// The <JobsDetail>...</JobsDetail> element for a job, well-formed, text escaped.
std::string render_job_xml(const JobSpec& job);

} // namespace jobsync::emulator
