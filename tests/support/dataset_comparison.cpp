#include "support/dataset_comparison.hpp"

#include "jobsync/parse/job_record.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace testing {
namespace {

using jobsync::emulator::JobSpec;
using Row = std::vector<std::string>;     // NULL as "<null>"
using Table = std::map<std::string, Row>; // keyed by job_id + ordinal columns

constexpr const char* kNull = "<null>";

std::string or_null(const std::string& text)
{
    return text.empty() ? kNull : text;
}

std::string time_or_null(const std::optional<jobsync::UnixSeconds>& t)
{
    return t ? std::to_string(*t) : kNull;
}

Table load(pqxx::transaction_base& txn, const std::string& sql, std::size_t key_columns)
{
    Table table;
    for (const auto& row : txn.exec(sql)) {
        Row values;
        std::string key;
        for (std::size_t i = 0; i < row.size(); ++i) {
            const std::string text = row[static_cast<int>(i)].is_null()
                                         ? kNull
                                         : row[static_cast<int>(i)].as<std::string>();
            if (i < key_columns) {
                key += text + "|";
            } else {
                values.push_back(text);
            }
        }
        table[key] = values;
    }
    return table;
}

std::string join(const Row& row)
{
    std::string text;
    for (const std::string& value : row) {
        text += (text.empty() ? "" : ", ") + value;
    }
    return text;
}

void diff(const std::string& name, const Table& expected, const Table& actual,
          std::vector<std::string>& out, std::size_t limit)
{
    for (const auto& [key, row] : expected) {
        if (out.size() >= limit) {
            return;
        }
        const auto found = actual.find(key);
        if (found == actual.end()) {
            out.push_back(name + " missing " + key + " (" + join(row) + ")");
        } else if (found->second != row) {
            out.push_back(name + " " + key + " differs: expected (" + join(row) + ") got (" +
                          join(found->second) + ")");
        }
    }
    for (const auto& [key, row] : actual) {
        if (out.size() >= limit) {
            return;
        }
        if (expected.count(key) == 0) {
            out.push_back(name + " extra " + key + " (" + join(row) + ")");
        }
    }
}

std::string field_value(const jobsync::emulator::ElementList& fields, std::string_view element)
{
    for (const auto& [name, value] : fields) {
        if (name == element) {
            return or_null(value);
        }
    }
    return kNull;
}

template <std::size_t N>
std::string column_list(const std::array<jobsync::FieldSpec, N>& specs, const std::string& alias)
{
    std::string columns;
    for (const auto& spec : specs) {
        columns += ", " + alias + "." + std::string(spec.column) + "::text";
    }
    return columns;
}

} // namespace

std::vector<std::string> compare_with_dataset(pqxx::connection& conn,
                                              const jobsync::emulator::Dataset& dataset,
                                              const std::string& bucket,
                                              const std::vector<std::string>& tags,
                                              std::size_t limit)
{
    const std::set<std::string> wanted(tags.begin(), tags.end());
    Table jobs, outputs, watermarks, media, streams, files, headers;
    for (const JobSpec& job : dataset.specs()) {
        if (!wanted.empty() && wanted.count(job.tag) == 0) {
            continue;
        }
        const std::string id = job.job_id + "|";
        jobs[id] = {bucket,
                    job.tag,
                    or_null(job.state),
                    std::to_string(job.progress),
                    or_null(job.code),
                    or_null(job.message),
                    std::to_string(job.creation_time),
                    time_or_null(job.start_time),
                    time_or_null(job.end_time),
                    or_null(job.queue_id),
                    or_null(job.input_bucket),
                    or_null(job.input_region),
                    or_null(job.input_object),
                    or_null(job.template_id),
                    or_null(job.user_data),
                    std::to_string(job.job_level),
                    or_null(job.workflow_id),
                    or_null(job.sub_tag),
                    or_null(job.queue_type),
                    or_null(job.input_url),
                    job.workflow_id.empty() ? kNull : jobsync::emulator::workflow_name_for(job),
                    job.workflow_id.empty() ? kNull : jobsync::emulator::workflow_run_id_for(job)};
        int output_ordinal = 0;
        if (!job.output_object.empty()) {
            outputs[id + std::to_string(++output_ordinal) + "|"] = {
                "main", or_null(job.output_bucket), or_null(job.output_region), job.output_object,
                kNull};
        }
        for (const auto& extra : job.extra_outputs) {
            outputs[id + std::to_string(++output_ordinal) + "|"] = {
                extra.kind, or_null(job.output_bucket), or_null(job.output_region), extra.object,
                or_null(extra.stream_index)};
        }
        for (std::size_t i = 0; i < job.cos_headers.size(); ++i) {
            headers[id + std::to_string(i + 1) + "|"] = {job.cos_headers[i].first,
                                                         or_null(job.cos_headers[i].second)};
        }
        for (std::size_t i = 0; i < job.watermark_template_ids.size(); ++i) {
            watermarks[id + std::to_string(i + 1) + "|"] = {job.watermark_template_ids[i]};
        }
        if (!job.format_fields.empty()) {
            Row row;
            for (const auto& spec : jobsync::kMediaFormatFields) {
                row.push_back(field_value(job.format_fields, spec.element));
            }
            media[id] = row;
        }
        std::map<std::string, int> ordinals;
        for (const auto& stream : job.streams) {
            if (stream.fields.empty()) {
                continue; // an empty <Subtitle/> makes no row
            }
            Row row;
            for (const auto& spec : jobsync::kMediaStreamFields) {
                row.push_back(field_value(stream.fields, spec.element));
            }
            streams[id + stream.kind + "|" + std::to_string(++ordinals[stream.kind]) + "|"] = row;
        }
        // The emulator groups files by location, sprite sheets in the first
        // group's SpriteOutputFile; ordinals follow that order.
        std::vector<std::pair<const char*, const jobsync::emulator::OutputFileSpec*>> ordered;
        std::vector<bool> done(job.output_files.size(), false);
        for (std::size_t i = 0; i < job.output_files.size(); ++i) {
            if (done[i]) {
                continue;
            }
            for (std::size_t j = i; j < job.output_files.size(); ++j) {
                const auto& a = job.output_files[i];
                const auto& b = job.output_files[j];
                if (!done[j] && a.bucket == b.bucket && a.region == b.region &&
                    a.object_prefix == b.object_prefix) {
                    ordered.emplace_back("main", &b);
                    done[j] = true;
                }
            }
            if (i == 0) {
                for (const auto& sprite : job.sprite_files) {
                    ordered.emplace_back("sprite", &sprite);
                }
            }
        }
        for (std::size_t i = 0; i < ordered.size(); ++i) {
            const auto& file = *ordered[i].second;
            files[id + std::to_string(i + 1) + "|"] = {
                ordered[i].first,          or_null(file.bucket),
                or_null(file.region),      or_null(file.object_prefix),
                or_null(file.object_name), or_null(file.md5)};
        }
    }

    std::string tag_filter;
    if (!wanted.empty()) {
        for (const std::string& tag : wanted) {
            tag_filter += (tag_filter.empty() ? "" : ", ") + conn.quote(tag);
        }
        tag_filter = " AND j.tag IN (" + tag_filter + ")";
    }
    const std::string scope =
        " JOIN jobs j USING (job_id) WHERE j.bucket = " + conn.quote(bucket) + tag_filter;
    pqxx::read_transaction txn(conn);
    std::vector<std::string> out;
    diff("jobs", jobs,
         load(txn,
              "SELECT job_id, bucket, tag, state, progress::text, code, message, "
              "extract(epoch FROM creation_time)::bigint::text, "
              "extract(epoch FROM start_time)::bigint::text, "
              "extract(epoch FROM end_time)::bigint::text, queue_id, input_bucket, input_region, "
              "input_object, template_id, user_data, job_level::text, workflow_id, sub_tag, "
              "queue_type, input_url, workflow_name, workflow_run_id "
              "FROM jobs j WHERE bucket = " +
                  conn.quote(bucket) + tag_filter,
              1),
         out, limit);
    diff("job_outputs", outputs,
         load(txn,
              "SELECT job_id, ordinal::text, kind, o.bucket, region, object, "
              "stream_index::text FROM job_outputs o" +
                  scope,
              2),
         out, limit);
    diff("job_watermark_templates", watermarks,
         load(txn,
              "SELECT job_id, ordinal::text, w.template_id FROM job_watermark_templates w" + scope,
              2),
         out, limit);
    diff("media_info", media,
         load(txn,
              "SELECT job_id" + column_list(jobsync::kMediaFormatFields, "m") +
                  " FROM media_info m" + scope,
              1),
         out, limit);
    diff("media_streams", streams,
         load(txn,
              "SELECT job_id, s.kind, s.ordinal::text" +
                  column_list(jobsync::kMediaStreamFields, "s") + " FROM media_streams s" + scope,
              3),
         out, limit);
    diff(
        "output_files", files,
        load(
            txn,
            "SELECT job_id, ordinal::text, kind, f.bucket, region, object_prefix, object_name, md5 "
            "FROM output_files f" +
                scope,
            2),
        out, limit);
    diff("job_input_cos_headers", headers,
         load(txn, "SELECT job_id, ordinal::text, key, value FROM job_input_cos_headers h" + scope,
              2),
         out, limit);
    return out;
}

} // namespace testing
