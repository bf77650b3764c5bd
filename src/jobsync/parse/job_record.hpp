// One job as parsed from a JobsDetail element: the normalised values that
// land in the relational tables. Text fields are views into the page's
// buffers (see JobsPage), so a record lives no longer than its page.
#pragma once

#include "jobsync/core/api_time.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

using OptText = std::optional<std::string_view>;

// How a field is validated before it reaches SQL, by its column type: text
// (valid UTF-8), integer (int4), big_integer (int8), decimal (numeric).
enum class FieldType { text, integer, big_integer, decimal };

// An XML child element mapped to a column.
struct FieldSpec {
    std::string_view element; // e.g. "CodecName"
    std::string_view column;  // e.g. "codec_name"
    FieldType type;
};

// MediaInfo/Format children -> media_info columns (after job_id).
inline constexpr std::array<FieldSpec, 8> kMediaFormatFields{{
    {"FormatName", "format_name", FieldType::text},
    {"FormatLongName", "format_long_name", FieldType::text},
    {"Duration", "duration", FieldType::decimal},
    {"Bitrate", "bitrate", FieldType::decimal},
    {"Size", "size", FieldType::big_integer},
    {"NumStream", "num_stream", FieldType::integer},
    {"NumProgram", "num_program", FieldType::integer},
    {"StartTime", "start_time", FieldType::decimal},
}};

// MediaInfo/Stream/{Video,Audio,Subtitle} children -> media_streams columns
// (after job_id, kind, ordinal). One table for all kinds: a column a kind
// does not have stays NULL.
inline constexpr std::array<FieldSpec, 33> kMediaStreamFields{{
    {"Index", "stream_index", FieldType::integer},
    {"CodecName", "codec_name", FieldType::text},
    {"CodecLongName", "codec_long_name", FieldType::text},
    {"CodecTag", "codec_tag", FieldType::text},
    {"CodecTagString", "codec_tag_string", FieldType::text},
    {"CodecTimeBase", "codec_time_base", FieldType::text},
    {"Timebase", "timebase", FieldType::text},
    {"Bitrate", "bitrate", FieldType::decimal},
    {"Duration", "duration", FieldType::decimal},
    {"StartTime", "start_time", FieldType::decimal},
    {"Language", "language", FieldType::text},
    {"Width", "width", FieldType::integer},
    {"Height", "height", FieldType::integer},
    {"Fps", "fps", FieldType::decimal},
    {"AvgFps", "avg_fps", FieldType::decimal},
    {"PixFormat", "pix_format", FieldType::text},
    {"Profile", "profile", FieldType::text},
    {"Level", "level", FieldType::integer},
    {"NumFrames", "num_frames", FieldType::big_integer},
    {"Rotation", "rotation", FieldType::decimal},
    {"HasBFrame", "has_b_frame", FieldType::integer},
    {"RefFrames", "ref_frames", FieldType::integer},
    {"ColorPrimaries", "color_primaries", FieldType::text},
    {"ColorRange", "color_range", FieldType::text},
    {"ColorTransfer", "color_transfer", FieldType::text},
    {"Dar", "dar", FieldType::text},
    {"Sar", "sar", FieldType::text},
    {"FieldOrder", "field_order", FieldType::text},
    {"Channel", "channel", FieldType::integer},
    {"ChannelLayout", "channel_layout", FieldType::text},
    {"SampleRate", "sample_rate", FieldType::integer},
    {"SampleFmt", "sample_fmt", FieldType::text},
    {"CreationTime", "creation_time", FieldType::text},
}};

template <std::size_t N>
using FieldValues = std::array<OptText, N>; // indexed like the matching FieldSpec table

struct MediaStream {
    std::string_view kind; // "video" | "audio" | "subtitle"
    FieldValues<kMediaStreamFields.size()> values;
};

// An object the job writes, from Operation/Output. kind is "main" (Object),
// "sprite" (SpriteObject), "audio" (AuObject), "background" (BassObject),
// "drum" (DrumObject) or "stream_extract" (Output/StreamExtract/Object).
struct OutputObject {
    std::string_view kind;
    OptText bucket, region, object;
    OptText stream_index; // StreamExtract/Index, integer
};

// One MediaResult/OutputFile/ObjectName (kind "main") or
// MediaResult/OutputFile/SpriteOutputFile/ObjectName (kind "sprite"), with the
// Md5 of the sibling Md5Info whose ObjectName matches.
struct OutputFile {
    std::string_view kind;
    OptText bucket, region, object_prefix, object_name, md5;
};

struct CosHeader {
    std::string_view key, value;
};

struct JobRecord {
    std::string_view job_id; // required
    std::string_view tag;    // from <Tag>; required
    OptText sub_tag, state, code, message, queue_id, queue_type;
    OptText input_bucket, input_region, input_object, input_url;
    OptText template_id, template_name, user_data;
    OptText workflow_id, workflow_name, workflow_run_id;
    std::optional<long long> progress, job_level;
    UnixSeconds creation_time = 0;                   // required
    std::optional<UnixSeconds> start_time, end_time; // NULL for "-" or empty

    // The whole <JobsDetail>...</JobsDetail> as received, or, when it held
    // characters the xml column refuses, a repaired copy (detail_repaired).
    std::string_view detail_xml;
    bool detail_repaired = false;

    std::vector<std::string_view> watermark_template_ids;
    std::vector<OutputObject> outputs;
    std::optional<FieldValues<kMediaFormatFields.size()>> media_format;
    std::vector<MediaStream> streams;
    std::vector<OutputFile> output_files;
    std::vector<CosHeader> cos_headers;
};

// A JobsDetail whose required fields (JobId, Tag, CreationTime) cannot be
// stored: it is left out of the page's jobs, so the rest of the page lands.
struct RejectedJob {
    std::string_view job_id;     // exactly as received (any length, any bytes); "" when absent
    std::string_view detail_xml; // the element's bytes as received
    std::string reason;          // e.g. "JobsDetail #3 has no JobId"
    std::size_t position = 0;    // 1-based among the page's JobsDetail elements
};

// The longest JobId or Tag stored: they are keys of indexes, whose rows
// PostgreSQL caps at about 2.7 kB.
inline constexpr std::size_t kMaxKeyBytes = 128;

} // namespace jobsync
