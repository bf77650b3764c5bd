#include "jobsync/job_store.hpp"

#include "jobsync/api_time.hpp"
#include "jobsync/database.hpp"
#include "jobsync/sql_params.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace jobsync {
namespace {

// libpq allows 65535 parameters per statement; stay well below.
constexpr std::size_t kMaxParams = 60000;
// Pages hold at most a few dozen jobs, so the row counts seen in practice are
// few; bigger statements are built per call to keep the cache small.
constexpr std::size_t kMaxCachedRows = 128;

constexpr std::array<std::string_view, 3> kTerminalStates{"Success", "Failed", "Cancel"};

bool is_terminal(const std::optional<std::string_view>& state)
{
    return state && std::find(kTerminalStates.begin(), kTerminalStates.end(), *state) !=
                        kTerminalStates.end();
}

// ---- statement shapes -------------------------------------------------------

struct Column {
    std::string name;
    std::string_view cast; // appended to the parameter, e.g. "::int"; "" for text
};

// A multi-row INSERT: the table, its columns, and what follows the VALUES.
struct InsertShape {
    std::string table;
    std::vector<Column> columns;
    std::string suffix;
};

std::string build_insert_sql(const InsertShape& shape, std::size_t rows)
{
    std::string sql = "INSERT INTO " + shape.table + " (";
    for (std::size_t c = 0; c < shape.columns.size(); ++c) {
        sql += (c == 0 ? "" : ", ") + shape.columns[c].name;
    }
    sql += ") VALUES ";
    std::size_t param = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (std::size_t c = 0; c < shape.columns.size(); ++c) {
            sql += (c == 0 ? "$" : ", $") + std::to_string(++param);
            sql += shape.columns[c].cast;
        }
        sql += ')';
    }
    return sql + shape.suffix;
}

// The text of `shape` for `rows` rows, built once per thread and shape (the
// shapes are static, so their addresses are stable keys).
const std::string& cached_insert_sql(const InsertShape& shape, std::size_t rows)
{
    thread_local std::map<std::pair<const InsertShape*, std::size_t>, std::string> cache;
    std::string& sql = cache[{&shape, rows}];
    if (sql.empty()) {
        sql = build_insert_sql(shape, rows);
    }
    return sql;
}

// Runs the INSERT of `shape` over params (whole rows), in as many statements
// as the parameter limit needs; none when there are no rows.
std::vector<pqxx::result> insert_rows(pqxx::work& txn, const InsertShape& shape,
                                      const SqlParams& params)
{
    const std::size_t width = shape.columns.size();
    if (params.size() % width != 0) {
        throw std::logic_error("parameters for " + shape.table + " are not whole rows");
    }
    const std::vector<const char*> values = params.pointers();
    const std::size_t rows = values.size() / width;
    const std::size_t max_rows = kMaxParams / width;
    std::vector<pqxx::result> results;
    for (std::size_t first = 0; first < rows; first += max_rows) {
        const std::size_t count = std::min(max_rows, rows - first);
        const char* const* begin = values.data() + first * width;
        const auto chunk = pqxx::prepare::make_dynamic_params(begin, begin + count * width);
        if (count <= kMaxCachedRows) {
            results.push_back(txn.exec_params(cached_insert_sql(shape, count), chunk));
        } else {
            results.push_back(txn.exec_params(build_insert_sql(shape, count), chunk));
        }
    }
    return results;
}

// ---- parameter helpers --------------------------------------------------------

void add_int(SqlParams& params, const std::optional<long long>& value)
{
    if (value) {
        params.add(std::to_string(*value));
    } else {
        params.add_null();
    }
}

void add_time(SqlParams& params, const std::optional<UnixSeconds>& value)
{
    if (value) {
        params.add(format_iso_utc(*value));
    } else {
        params.add_null();
    }
}

void add_ordinal(SqlParams& params, std::size_t ordinal)
{
    params.add(std::to_string(ordinal));
}

std::string_view cast_for(FieldType type)
{
    switch (type) {
    case FieldType::integer:
        return "::bigint"; // assignment-cast down to int columns, range-checked
    case FieldType::decimal:
        return "::numeric";
    case FieldType::text:
        break;
    }
    return "";
}

template <std::size_t N>
std::vector<Column> with_fields(std::vector<Column> columns, const std::array<FieldSpec, N>& fields)
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

std::string to_hex(std::string_view bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0x0f];
    }
    return hex;
}

// ---- jobs ---------------------------------------------------------------------

// A job about to be upserted, with what its row needs besides the record.
struct JobRow {
    const JobRecord* job;
    std::string_view bucket;
    std::string hash_literal; // "\x<hex>", for a ::bytea parameter
    bool stored;              // a row existed when the page was classified
};

// Column name, cast and value side by side, so they cannot drift apart.
struct JobColumn {
    std::string_view name;
    std::string_view cast;
    void (*add)(SqlParams&, const JobRow&);
};

// clang-format off
constexpr JobColumn kJobColumns[] = {
    {"job_id", "", [](SqlParams& p, const JobRow& r) { p.add(r.job->job_id); }},
    {"bucket", "", [](SqlParams& p, const JobRow& r) { p.add(r.bucket); }},
    {"tag", "", [](SqlParams& p, const JobRow& r) { p.add(r.job->tag); }},
    {"sub_tag", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->sub_tag); }},
    {"state", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->state); }},
    {"progress", "::int", [](SqlParams& p, const JobRow& r) { add_int(p, r.job->progress); }},
    {"code", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->code); }},
    {"message", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->message); }},
    {"creation_time", "::timestamptz",
     [](SqlParams& p, const JobRow& r) { add_time(p, r.job->creation_time); }},
    {"start_time", "::timestamptz",
     [](SqlParams& p, const JobRow& r) { add_time(p, r.job->start_time); }},
    {"end_time", "::timestamptz",
     [](SqlParams& p, const JobRow& r) { add_time(p, r.job->end_time); }},
    {"queue_id", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->queue_id); }},
    {"queue_type", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->queue_type); }},
    {"input_bucket", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->input_bucket); }},
    {"input_region", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->input_region); }},
    {"input_object", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->input_object); }},
    {"input_url", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->input_url); }},
    {"template_id", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->template_id); }},
    {"template_name", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->template_name); }},
    {"user_data", "", [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->user_data); }},
    {"job_level", "::int", [](SqlParams& p, const JobRow& r) { add_int(p, r.job->job_level); }},
    {"workflow_id", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->workflow_id); }},
    {"workflow_name", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->workflow_name); }},
    {"workflow_run_id", "",
     [](SqlParams& p, const JobRow& r) { p.add_nullable(r.job->workflow_run_id); }},
    {"detail", "::xml", [](SqlParams& p, const JobRow& r) { p.add(r.job->detail_xml); }},
    {"detail_hash", "::bytea", [](SqlParams& p, const JobRow& r) { p.add(r.hash_literal); }},
};
// clang-format on

std::string quoted_terminal_states()
{
    std::string list;
    for (const std::string_view state : kTerminalStates) {
        list += (list.empty() ? "'" : ", '") + std::string(state) + "'";
    }
    return list;
}

// The upsert. Its WHERE repeats the no-going-backwards rule because a
// concurrent writer may have inserted the row after our SELECT saw it absent;
// RETURNING then tells which rows were really written.
const InsertShape& jobs_shape()
{
    static const InsertShape shape = [] {
        InsertShape s{"jobs", {}, " ON CONFLICT (job_id) DO UPDATE SET "};
        for (const JobColumn& column : kJobColumns) {
            s.columns.push_back({std::string(column.name), column.cast});
            if (column.name != "job_id") {
                const std::string name(column.name);
                s.suffix += name + " = EXCLUDED." + name + ", ";
            }
        }
        const std::string terminal = quoted_terminal_states();
        s.suffix += "last_synced_at = now() WHERE jobs.state IS NULL OR jobs.state NOT IN (" +
                    terminal + ") OR EXCLUDED.state IN (" + terminal + ") RETURNING job_id";
        return s;
    }();
    return shape;
}

// Upserts rows; returns the ids actually written.
std::unordered_set<std::string> upsert_jobs(pqxx::work& txn, const std::vector<JobRow>& rows)
{
    SqlParams params;
    for (const JobRow& row : rows) {
        for (const JobColumn& column : kJobColumns) {
            column.add(params, row);
        }
    }
    std::unordered_set<std::string> written;
    for (const pqxx::result& result : insert_rows(txn, jobs_shape(), params)) {
        for (const pqxx::row& row : result) {
            written.insert(row[0].as<std::string>());
        }
    }
    return written;
}

// ---- child tables ---------------------------------------------------------------

void add_output_rows(SqlParams& params, const JobRecord& job)
{
    std::size_t ordinal = 0;
    for (const OutputObject& output : job.outputs) {
        params.add(job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(output.kind);
        params.add_nullable(output.bucket);
        params.add_nullable(output.region);
        params.add_nullable(output.object);
        params.add_nullable(output.stream_index);
    }
}

void add_watermark_rows(SqlParams& params, const JobRecord& job)
{
    std::size_t ordinal = 0;
    for (const std::string_view template_id : job.watermark_template_ids) {
        params.add(job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(template_id);
    }
}

void add_media_info_rows(SqlParams& params, const JobRecord& job)
{
    if (job.media_format) {
        params.add(job.job_id);
        add_field_values(params, *job.media_format);
    }
}

void add_stream_rows(SqlParams& params, const JobRecord& job)
{
    std::map<std::string_view, std::size_t> ordinals; // per kind
    for (const MediaStream& stream : job.streams) {
        params.add(job.job_id);
        params.add(stream.kind);
        add_ordinal(params, ++ordinals[stream.kind]);
        add_field_values(params, stream.values);
    }
}

void add_output_file_rows(SqlParams& params, const JobRecord& job)
{
    std::size_t ordinal = 0;
    for (const OutputFile& file : job.output_files) {
        params.add(job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(file.kind);
        params.add_nullable(file.bucket);
        params.add_nullable(file.region);
        params.add_nullable(file.object_prefix);
        params.add_nullable(file.object_name);
        params.add_nullable(file.md5);
    }
}

void add_cos_header_rows(SqlParams& params, const JobRecord& job)
{
    std::size_t ordinal = 0;
    for (const CosHeader& header : job.cos_headers) {
        params.add(job.job_id);
        add_ordinal(params, ++ordinal);
        params.add(header.key);
        params.add(header.value);
    }
}

struct ChildTable {
    InsertShape insert; // columns in the order add_rows adds the values
    void (*add_rows)(SqlParams&, const JobRecord&);
    std::string delete_sql;
};

ChildTable child_table(std::string name, std::vector<Column> columns,
                       void (*add_rows)(SqlParams&, const JobRecord&))
{
    std::string delete_sql = "DELETE FROM " + name + " WHERE job_id = ANY($1::text[])";
    return {{std::move(name), std::move(columns), ""}, add_rows, std::move(delete_sql)};
}

const std::vector<ChildTable>& child_tables()
{
    static const std::vector<ChildTable> tables{
        child_table("job_outputs",
                    {{"job_id", ""},
                     {"ordinal", "::int"},
                     {"kind", ""},
                     {"bucket", ""},
                     {"region", ""},
                     {"object", ""},
                     {"stream_index", "::int"}},
                    add_output_rows),
        child_table("job_watermark_templates",
                    {{"job_id", ""}, {"ordinal", "::int"}, {"template_id", ""}},
                    add_watermark_rows),
        child_table("media_info", with_fields({{"job_id", ""}}, kMediaFormatFields),
                    add_media_info_rows),
        child_table(
            "media_streams",
            with_fields({{"job_id", ""}, {"kind", ""}, {"ordinal", "::int"}}, kMediaStreamFields),
            add_stream_rows),
        child_table("output_files",
                    {{"job_id", ""},
                     {"ordinal", "::int"},
                     {"kind", ""},
                     {"bucket", ""},
                     {"region", ""},
                     {"object_prefix", ""},
                     {"object_name", ""},
                     {"md5", ""}},
                    add_output_file_rows),
        child_table("job_input_cos_headers",
                    {{"job_id", ""}, {"ordinal", "::int"}, {"key", ""}, {"value", ""}},
                    add_cos_header_rows),
    };
    return tables;
}

// Deletes and reinserts the children of jobs. Newly inserted jobs are
// included in the DELETE: a concurrent writer may have inserted the same job
// (with children) after our SELECT found it absent.
void replace_children(pqxx::work& txn, const std::vector<const JobRecord*>& jobs)
{
    std::vector<std::string> ids;
    for (const JobRecord* job : jobs) {
        ids.emplace_back(job->job_id);
    }
    const std::string id_array = to_text_array_literal(ids);
    for (const ChildTable& table : child_tables()) {
        txn.exec_params(table.delete_sql, id_array);
        SqlParams params;
        for (const JobRecord* job : jobs) {
            table.add_rows(params, *job);
        }
        insert_rows(txn, table.insert, params);
    }
}

// ---- classification -----------------------------------------------------------

// The last occurrence of each job id, in page order.
std::vector<const JobRecord*> last_occurrences(const std::vector<JobRecord>& jobs)
{
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        last[jobs[i].job_id] = i;
    }
    std::vector<const JobRecord*> unique;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (last[jobs[i].job_id] == i) {
            unique.push_back(&jobs[i]);
        }
    }
    return unique;
}

struct StoredJob {
    std::string hash;
    std::optional<std::string> state;
};

// The stored versions of jobs, locked against concurrent rewrites. Sorted
// locking keeps two workers with overlapping pages from deadlocking.
std::unordered_map<std::string, StoredJob> lock_stored(pqxx::work& txn,
                                                       const std::vector<const JobRecord*>& jobs)
{
    std::vector<std::string> ids;
    for (const JobRecord* job : jobs) {
        ids.emplace_back(job->job_id);
    }
    const pqxx::result result = txn.exec_params(
        "SELECT job_id, detail_hash, state FROM jobs WHERE job_id = ANY($1::text[]) "
        "ORDER BY job_id FOR UPDATE",
        to_text_array_literal(ids));
    std::unordered_map<std::string, StoredJob> stored;
    for (const pqxx::row& row : result) {
        StoredJob job{pqxx::binarystring(row[1]).str(), std::nullopt};
        if (!row[2].is_null()) {
            job.state = row[2].as<std::string>();
        }
        stored.emplace(row[0].as<std::string>(), std::move(job));
    }
    return stored;
}

} // namespace

std::string detail_hash(const JobRecord& job)
{
    const auto version = static_cast<std::uint32_t>(kNormaliserVersion);
    const unsigned char prefix[4] = {
        static_cast<unsigned char>(version & 0xffU),
        static_cast<unsigned char>((version >> 8) & 0xffU),
        static_cast<unsigned char>((version >> 16) & 0xffU),
        static_cast<unsigned char>((version >> 24) & 0xffU),
    };
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), prefix, sizeof prefix) != 1 ||
        EVP_DigestUpdate(context.get(), job.detail_xml.data(), job.detail_xml.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
        throw std::runtime_error("SHA-1 of a job's detail failed");
    }
    return std::string(reinterpret_cast<const char*>(digest), length);
}

PageWriteResult JobStore::write_page(pqxx::work& txn, const std::string& bucket,
                                     const std::vector<JobRecord>& jobs)
{
    PageWriteResult result;
    const std::vector<const JobRecord*> unique = last_occurrences(jobs);
    result.duplicates = static_cast<long>(jobs.size() - unique.size());
    if (unique.empty()) {
        return result;
    }

    const std::unordered_map<std::string, StoredJob> stored = lock_stored(txn, unique);
    std::vector<JobRow> rows;
    for (const JobRecord* job : unique) {
        std::string hash = detail_hash(*job);
        const auto found = stored.find(std::string(job->job_id));
        if (found != stored.end()) {
            if (found->second.hash == hash) {
                ++result.unchanged;
                continue;
            }
            if (is_terminal(found->second.state) && !is_terminal(job->state)) {
                ++result.refused;
                continue;
            }
        }
        rows.push_back({job, bucket, "\\x" + to_hex(hash), found != stored.end()});
    }
    if (rows.empty()) {
        return result;
    }

    // The same order in every writer, so concurrent upserts lock rows alike.
    std::sort(rows.begin(), rows.end(),
              [](const JobRow& a, const JobRow& b) { return a.job->job_id < b.job->job_id; });
    const std::unordered_set<std::string> written = upsert_jobs(txn, rows);

    std::vector<const JobRecord*> changed;
    for (const JobRow& row : rows) {
        if (written.count(std::string(row.job->job_id)) == 0) {
            ++result.refused; // a terminal version was committed concurrently
        } else {
            ++(row.stored ? result.updated : result.inserted);
            changed.push_back(row.job);
        }
    }
    if (!changed.empty()) {
        replace_children(txn, changed);
    }
    return result;
}

} // namespace jobsync
