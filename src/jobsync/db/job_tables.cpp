#include "jobsync/db/job_tables.hpp"

#include "jobsync/core/api_time.hpp"

#include <array>
#include <map>
#include <string>

namespace jobsync {
namespace {

void add_int(SqlParams& params, const std::optional<long long>& value)
{
    if (value) {
        params.add_computed(std::to_string(*value));
    } else {
        params.add_null();
    }
}

void add_time(SqlParams& params, const std::optional<UnixSeconds>& value)
{
    if (value) {
        params.add_computed(format_iso_utc(*value));
    } else {
        params.add_null();
    }
}

void add_ordinal(SqlParams& params, std::size_t ordinal)
{
    params.add_computed(std::to_string(ordinal));
}

std::string_view cast_for(FieldType type)
{
    switch (type) {
    case FieldType::integer:
    case FieldType::big_integer:
        return "::bigint"; // assignment-cast down to int columns (the parser checked the range)
    case FieldType::decimal:
        return "::numeric";
    case FieldType::text:
        break;
    }
    return "";
}

template <std::size_t N>
std::vector<TableColumn> with_fields(std::vector<TableColumn> columns,
                                     const std::array<FieldSpec, N>& fields)
{
    for (const FieldSpec& field : fields) {
        columns.push_back({std::string(field.column), cast_for(field.type)});
    }
    return columns;
}

template <std::size_t N> void add_field_values(SqlParams& params, const FieldValues<N>& values)
{
    for (const OptText& value : values) {
        params.add_nullable(value);
    }
}

// ---- jobs: column name, cast and value side by side, so they cannot drift apart

using Ctx = JobRowContext;

struct JobColumn {
    std::string_view name;
    std::string_view cast;
    void (*add)(SqlParams&, const Ctx&);
};

// clang-format off
constexpr JobColumn kJobColumns[] = {
    {"job_id", "", [](SqlParams& p, const Ctx& r) { p.add(r.job.job_id); }},
    {"bucket", "", [](SqlParams& p, const Ctx& r) { p.add(r.bucket); }},
    {"tag", "", [](SqlParams& p, const Ctx& r) { p.add(r.job.tag); }},
    {"sub_tag", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.sub_tag); }},
    {"state", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.state); }},
    {"progress", "::int", [](SqlParams& p, const Ctx& r) { add_int(p, r.job.progress); }},
    {"code", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.code); }},
    {"message", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.message); }},
    {"creation_time", "::timestamptz",
     [](SqlParams& p, const Ctx& r) { add_time(p, r.job.creation_time); }},
    {"start_time", "::timestamptz",
     [](SqlParams& p, const Ctx& r) { add_time(p, r.job.start_time); }},
    {"end_time", "::timestamptz", [](SqlParams& p, const Ctx& r) { add_time(p, r.job.end_time); }},
    {"queue_id", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.queue_id); }},
    {"queue_type", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.queue_type); }},
    {"input_bucket", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.input_bucket); }},
    {"input_region", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.input_region); }},
    {"input_object", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.input_object); }},
    {"input_url", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.input_url); }},
    {"template_id", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.template_id); }},
    {"template_name", "",
     [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.template_name); }},
    {"user_data", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.user_data); }},
    {"job_level", "::int", [](SqlParams& p, const Ctx& r) { add_int(p, r.job.job_level); }},
    {"workflow_id", "", [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.workflow_id); }},
    {"workflow_name", "",
     [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.workflow_name); }},
    {"workflow_run_id", "",
     [](SqlParams& p, const Ctx& r) { p.add_nullable(r.job.workflow_run_id); }},
    {"detail", "::xml", [](SqlParams& p, const Ctx& r) { p.add(r.job.detail_xml); }},
    {"detail_hash", "::bytea", [](SqlParams& p, const Ctx& r) { p.add(r.hash_literal); }},
};
// clang-format on

void add_job_row(SqlParams& params, const Ctx& row)
{
    for (const JobColumn& column : kJobColumns) {
        column.add(params, row);
    }
}

// ---- child tables

void add_output_rows(SqlParams& params, const Ctx& row)
{
    std::size_t ordinal = 0;
    for (const OutputObject& output : row.job.outputs) {
        params.add(row.job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(output.kind);
        params.add_nullable(output.bucket);
        params.add_nullable(output.region);
        params.add_nullable(output.object);
        params.add_nullable(output.stream_index);
    }
}

void add_watermark_rows(SqlParams& params, const Ctx& row)
{
    std::size_t ordinal = 0;
    for (const std::string_view template_id : row.job.watermark_template_ids) {
        params.add(row.job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(template_id);
    }
}

void add_media_info_rows(SqlParams& params, const Ctx& row)
{
    if (row.job.media_format) {
        params.add(row.job.job_id);
        add_field_values(params, *row.job.media_format);
    }
}

void add_stream_rows(SqlParams& params, const Ctx& row)
{
    std::map<std::string_view, std::size_t> ordinals; // per kind
    for (const MediaStream& stream : row.job.streams) {
        params.add(row.job.job_id);
        params.add(stream.kind);
        add_ordinal(params, ++ordinals[stream.kind]);
        add_field_values(params, stream.values);
    }
}

void add_output_file_rows(SqlParams& params, const Ctx& row)
{
    std::size_t ordinal = 0;
    for (const OutputFile& file : row.job.output_files) {
        params.add(row.job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(file.kind);
        params.add_nullable(file.bucket);
        params.add_nullable(file.region);
        params.add_nullable(file.object_prefix);
        params.add_nullable(file.object_name);
        params.add_nullable(file.md5);
        // The job's state and creation time, for the output audits' views:
        // a job's files are rewritten whenever its jobs row is (0023).
        params.add_nullable(row.job.state);
        add_time(params, row.job.creation_time);
    }
}

void add_cos_header_rows(SqlParams& params, const Ctx& row)
{
    std::size_t ordinal = 0;
    for (const CosHeader& header : row.job.cos_headers) {
        params.add(row.job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(header.key);
        params.add(header.value);
    }
}

} // namespace

const TableShape& jobs_table()
{
    static const TableShape shape = [] {
        TableShape s{"jobs", {}, {"job_id"}, add_job_row};
        for (const JobColumn& column : kJobColumns) {
            s.columns.push_back({std::string(column.name), column.cast});
        }
        return s;
    }();
    return shape;
}

const std::vector<TableShape>& child_tables()
{
    static const std::vector<TableShape> tables{
        {"job_outputs",
         {{"job_id", ""},
          {"ordinal", "::int"},
          {"kind", ""},
          {"bucket", ""},
          {"region", ""},
          {"object", ""},
          {"stream_index", "::int"}},
         {"job_id", "ordinal"},
         add_output_rows},
        {"job_watermark_templates",
         {{"job_id", ""}, {"ordinal", "::int"}, {"template_id", ""}},
         {"job_id", "ordinal"},
         add_watermark_rows},
        {"media_info",
         with_fields({{"job_id", ""}}, kMediaFormatFields),
         {"job_id"},
         add_media_info_rows},
        {"media_streams",
         with_fields({{"job_id", ""}, {"kind", ""}, {"ordinal", "::int"}}, kMediaStreamFields),
         {"job_id", "kind", "ordinal"},
         add_stream_rows},
        {"output_files",
         {{"job_id", ""},
          {"ordinal", "::int"},
          {"kind", ""},
          {"bucket", ""},
          {"region", ""},
          {"object_prefix", ""},
          {"object_name", ""},
          {"md5", ""},
          {"job_state", ""},
          {"job_created", "::timestamptz"}},
         {"job_id", "ordinal"},
         add_output_file_rows},
        {"job_input_cos_headers",
         {{"job_id", ""}, {"ordinal", "::int"}, {"key", ""}, {"value", ""}},
         {"job_id", "ordinal"},
         add_cos_header_rows},
    };
    return tables;
}

} // namespace jobsync
