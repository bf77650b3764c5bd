#include "jobsync/db/job_store.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/job_tables.hpp"
#include "jobsync/db/quarantine_store.hpp"
#include "jobsync/db/sql_params.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace jobsync {
namespace {

// libpq allows 65535 parameters per statement; stay well below.
constexpr std::size_t kMaxParams = 60000;
// Statements are prepared for padded row counts (1, 2, 4, ... kMaxBatchRows),
// so a connection holds a few prepared statements per table, not one per row
// count seen; bigger row sets are split.
constexpr std::size_t kMaxBatchRows = 128;

constexpr std::array<std::string_view, 3> kTerminalStates{"Success", "Failed", "Cancel"};

bool is_terminal(const std::optional<std::string_view>& state)
{
    return state && std::find(kTerminalStates.begin(), kTerminalStates.end(), *state) !=
                        kTerminalStates.end();
}

std::string quoted_terminal_states()
{
    std::string list;
    for (const std::string_view state : kTerminalStates) {
        list += (list.empty() ? "'" : ", '") + std::string(state) + "'";
    }
    return list;
}

// What follows the SELECT of the jobs upsert. Its WHERE repeats the
// no-going-backwards rule because a concurrent writer may have inserted the
// row after our SELECT saw it absent; RETURNING then tells which rows were
// really written, and whether each was new (xmax = 0) or an update.
std::string jobs_upsert_suffix()
{
    std::string suffix = " ON CONFLICT (job_id) DO UPDATE SET ";
    for (const TableColumn& column : jobs_table().columns) {
        if (column.name != "job_id") {
            suffix += column.name + " = EXCLUDED." + column.name + ", ";
        }
    }
    const std::string terminal = quoted_terminal_states();
    return suffix +
           "vanished_at = NULL, last_synced_at = now() WHERE jobs.state IS NULL OR jobs.state NOT "
           "IN (" +
           terminal + ") OR EXCLUDED.state IN (" + terminal + ") RETURNING job_id, xmax = 0";
}

// INSERT ... SELECT from a VALUES list of `rows` rows; all-NULL padding rows
// (a NULL first column, which is always a NOT NULL key) are filtered out.
std::string build_insert_sql(const TableShape& shape, std::size_t rows)
{
    std::string names;
    std::string value_names;
    for (std::size_t c = 0; c < shape.columns.size(); ++c) {
        names += (c == 0 ? "" : ", ") + shape.columns[c].name;
        value_names += (c == 0 ? "v" : ", v") + std::to_string(c);
    }
    std::string sql = "INSERT INTO " + shape.name + " (" + names + ") SELECT * FROM (VALUES ";
    std::size_t param = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (std::size_t c = 0; c < shape.columns.size(); ++c) {
            sql += (c == 0 ? "$" : ", $") + std::to_string(++param);
            sql += shape.columns[c].cast.empty() ? "::text" : shape.columns[c].cast;
        }
        sql += ')';
    }
    sql += ") AS v (" + value_names + ") WHERE v0 IS NOT NULL";
    return &shape == &jobs_table() ? sql + jobs_upsert_suffix() : sql;
}

std::size_t padded_rows(std::size_t rows)
{
    std::size_t padded = 1;
    while (padded < rows) {
        padded *= 2;
    }
    return padded;
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

// A job about to be upserted, with what its row needs besides the record.
struct JobRow {
    const JobRecord* job;
    std::string hash_literal; // "\x<hex>", for a ::bytea parameter
    bool stored;              // a row existed when the page was read (for the counts)
};

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

// The stored versions of jobs. Not locked: FOR UPDATE would write every
// row's xmax (and, after a checkpoint, a full-page image) even when nothing
// changed, a quarter of a first sync's WAL on a re-walk. The upsert locks
// what it writes and re-checks the terminal-state rule itself.
StoredJobs read_stored(pqxx::transaction_base& txn, const std::string& id_array)
{
    const pqxx::result result = txn.exec_params(
        // A vanished job that shows up again reads as changed, so its upsert
        // clears vanished_at.
        "SELECT job_id, CASE WHEN vanished_at IS NULL THEN detail_hash ELSE ''::bytea END, state "
        "FROM jobs WHERE job_id = ANY($1::text[]) "
        "ORDER BY job_id",
        id_array);
    StoredJobs stored;
    for (const pqxx::row& row : result) {
        StoredJob job{pqxx::binarystring(row[1]).str(), std::nullopt};
        if (!row[2].is_null()) {
            job.state = row[2].as<std::string>();
        }
        stored.emplace(row[0].as<std::string>(), std::move(job));
    }
    return stored;
}

std::string id_array_literal(const std::vector<const JobRecord*>& jobs)
{
    std::vector<std::string> ids;
    ids.reserve(jobs.size());
    for (const JobRecord* job : jobs) {
        ids.emplace_back(job->job_id);
    }
    return to_text_array_literal(ids);
}

// A value PostgreSQL refuses (class 22: invalid text, number out of range,
// bad XML) or cannot hold (class 54: e.g. an index row too large): the job
// is at fault, not the database, so retrying the same statement cannot help.
bool is_data_error(const pqxx::sql_error& error)
{
    const std::string state = error.sqlstate();
    return state.rfind("22", 0) == 0 || state.rfind("54", 0) == 0;
}

} // namespace

PageWriteResult& PageWriteResult::operator+=(const PageWriteResult& other)
{
    inserted += other.inserted;
    updated += other.updated;
    unchanged += other.unchanged;
    refused += other.refused;
    duplicates += other.duplicates;
    quarantined += other.quarantined;
    return *this;
}

std::string bytea_literal(const std::string& bytes)
{
    return "\\x" + to_hex(bytes);
}

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

const JobStore::Statement& JobStore::statement(const TableShape& shape, std::size_t rows)
{
    // Once per process: the 128-row texts run to tens of KB, and every
    // partition's walker used to build its own.
    static std::mutex mutex;
    static std::map<std::pair<const TableShape*, std::size_t>, Statement> statements;
    const std::lock_guard<std::mutex> lock(mutex);
    Statement& entry = statements[{&shape, rows}];
    if (entry.name.empty()) {
        entry.name = "jobsync_" + shape.name + "_" + std::to_string(rows);
        entry.sql = build_insert_sql(shape, rows);
    }
    return entry; // map entries stay put, and are never changed again
}

std::vector<pqxx::result> JobStore::insert_rows(pqxx::transaction_base& txn,
                                                const TableShape& shape, SqlParams& params)
{
    const std::size_t width = shape.columns.size();
    if (params.size() % width != 0) {
        throw std::logic_error("parameters for " + shape.name + " are not whole rows");
    }
    const std::size_t rows = params.size() / width;
    const std::size_t max_rows = std::min(kMaxBatchRows, kMaxParams / width);
    // Padding: NULL parameters, dropped by the statement's WHERE.
    for (std::size_t pad = (padded_rows(rows % max_rows) - rows % max_rows) * width; pad > 0;
         --pad) {
        params.add_null();
    }
    const std::vector<SqlValue>& values = params.values();
    std::vector<pqxx::result> results;
    for (std::size_t first = 0; first < rows; first += max_rows) {
        const std::size_t count = std::min(max_rows, padded_rows(rows - first));
        const Statement& insert = statement(shape, count);
        // A no-op when this connection already knows the statement; libpqxx
        // prepares it on the server at its first use and after a reconnect.
        txn.conn().prepare(insert.name, insert.sql);
        const SqlValue* begin = values.data() + first * width;
        results.push_back(txn.exec_prepared(
            insert.name, pqxx::prepare::make_dynamic_params(begin, begin + count * width)));
    }
    return results;
}

PageWriteResult JobStore::write_page(pqxx::work& txn, const Partition& partition,
                                     const std::vector<JobRecord>& jobs,
                                     const std::vector<RejectedJob>& rejected)
{
    PageWriteResult result;
    const std::vector<const JobRecord*> unique = last_occurrences(jobs);
    if (!unique.empty()) {
        // A savepoint, so that a refused value leaves txn usable for the
        // fallback. Not released: COMMIT does that, one round trip less per page.
        txn.exec0("SAVEPOINT jobsync_page");
        try {
            write_jobs(txn, partition.bucket(), unique, "jobsync_page", result);
        } catch (const pqxx::sql_error& e) {
            if (!is_data_error(e)) {
                throw;
            }
            txn.exec0("ROLLBACK TO SAVEPOINT jobsync_page");
            log_warn("the database refused a value on the page; writing it job by job",
                     {{"partition", partition.label()}, {"error", e.what()}});
            result = {}; // the counts of the rolled-back attempt
            write_job_by_job(txn, partition, unique, result);
        }
    }
    for (const RejectedJob& job : rejected) {
        quarantine_store::add(txn, partition, job.job_id, job.detail_xml, job.reason);
        ++result.quarantined;
    }
    result.duplicates = static_cast<long>(jobs.size() - unique.size());
    return result;
}

void JobStore::write_job_by_job(pqxx::work& txn, const Partition& partition,
                                std::vector<const JobRecord*> jobs, PageWriteResult& result)
{
    // In job id order, as the page statement locks rows, so concurrent
    // writers do not deadlock: each savepoint's locks last until txn ends.
    std::sort(jobs.begin(), jobs.end(),
              [](const JobRecord* a, const JobRecord* b) { return a->job_id < b->job_id; });
    for (const JobRecord* job : jobs) {
        txn.exec0("SAVEPOINT jobsync_job");
        try {
            PageWriteResult written;
            write_jobs(txn, partition.bucket(), {job}, "jobsync_job", written);
            txn.exec0("RELEASE SAVEPOINT jobsync_job");
            result += written;
        } catch (const pqxx::sql_error& e) {
            if (!is_data_error(e)) {
                throw;
            }
            txn.exec0("ROLLBACK TO SAVEPOINT jobsync_job");
            const std::string error = std::string("the database refused the job: ") + e.what();
            log_warn("job quarantined", {{"partition", partition.label()},
                                         {"job_id", std::string(job->job_id.substr(0, 256))},
                                         {"error", error}});
            quarantine_store::add(txn, partition, job->job_id, job->detail_xml, error);
            ++result.quarantined;
        }
    }
}

void JobStore::write_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                          const std::vector<const JobRecord*>& unique, const std::string& savepoint,
                          PageWriteResult& result)
{
    if (unique.empty()) {
        return;
    }
    const std::string id_array = id_array_literal(unique);
    const StoredJobs stored = read_stored(txn, id_array);
    quarantine_store::release(txn, bucket, id_array);
    if (stored.empty()) {
        try {
            copy_new_jobs(txn, bucket, unique, result);
            return;
        } catch (const pqxx::unique_violation&) {
            // Another writer inserted one of these jobs since read_stored:
            // the upsert resolves that row as it resolves any concurrent insert.
            txn.exec0("ROLLBACK TO SAVEPOINT " + savepoint);
            quarantine_store::release(txn, bucket, id_array); // rolled back with the COPY
        }
    }
    upsert_jobs(txn, bucket, unique, stored, result);
}

void JobStore::copy_new_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                             const std::vector<const JobRecord*>& unique, PageWriteResult& result)
{
    std::vector<std::string> hashes;
    hashes.reserve(unique.size());
    std::vector<NewJobRow> rows;
    rows.reserve(unique.size());
    for (const JobRecord* job : unique) {
        rows.push_back({job, hashes.emplace_back(bytea_literal(detail_hash(*job)))});
    }
    // In job id order, as the upsert writes: concurrent writers of the same
    // new jobs wait for each other instead of deadlocking.
    std::sort(rows.begin(), rows.end(),
              [](const NewJobRow& a, const NewJobRow& b) { return a.job->job_id < b.job->job_id; });
    copy_writer_.insert_new_jobs(txn, bucket, rows);
    result.inserted += static_cast<long>(rows.size());
}

void JobStore::upsert_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                           const std::vector<const JobRecord*>& unique, const StoredJobs& stored,
                           PageWriteResult& result)
{
    std::vector<JobRow> rows;
    for (const JobRecord* job : unique) {
        std::string hash = detail_hash(*job);
        const auto found = stored.find(std::string(job->job_id));
        if (found != stored.end()) {
            if (found->second.hash == hash) {
                ++result.unchanged; // never sent: the server does nothing for it
                continue;
            }
            if (is_terminal(found->second.state) && !is_terminal(job->state)) {
                ++result.refused;
                continue;
            }
        }
        rows.push_back({job, bytea_literal(hash), found != stored.end()});
    }
    if (rows.empty()) {
        return;
    }

    // The same order in every writer, so concurrent upserts lock rows alike.
    std::sort(rows.begin(), rows.end(),
              [](const JobRow& a, const JobRow& b) { return a.job->job_id < b.job->job_id; });
    SqlParams& params = params_;
    params.clear();
    for (const JobRow& row : rows) {
        jobs_table().add_rows(params, {*row.job, bucket, row.hash_literal});
    }
    std::unordered_map<std::string, bool> written; // job id -> newly inserted
    for (const pqxx::result& page : insert_rows(txn, jobs_table(), params)) {
        for (const pqxx::row& row : page) {
            written.emplace(row[0].as<std::string>(), row[1].as<bool>());
        }
    }

    std::vector<const JobRecord*> changed;
    std::vector<std::string> replaced; // updated jobs, whose old children go first
    for (const JobRow& row : rows) {
        const auto found = written.find(std::string(row.job->job_id));
        if (found == written.end()) {
            ++result.refused; // a terminal version was committed concurrently
            continue;
        }
        ++(row.stored ? result.updated : result.inserted);
        changed.push_back(row.job);
        if (!found->second) {
            replaced.emplace_back(row.job->job_id);
        }
    }
    replace_children(txn, bucket, changed, replaced);
}

// Inserts the children of changed jobs, after deleting those of the updated
// ones. A job new to the table has none: the upsert said it inserted the row
// (xmax = 0), even if a concurrent writer inserted it after our SELECT.
void JobStore::replace_children(pqxx::transaction_base& txn, const std::string& bucket,
                                const std::vector<const JobRecord*>& changed,
                                const std::vector<std::string>& replaced)
{
    if (changed.empty()) {
        return;
    }
    const std::string id_array = replaced.empty() ? "" : to_text_array_literal(replaced);
    for (const TableShape& table : child_tables()) {
        if (!replaced.empty()) {
            const std::string name = "jobsync_delete_" + table.name;
            txn.conn().prepare(name,
                               "DELETE FROM " + table.name + " WHERE job_id = ANY($1::text[])");
            txn.exec_prepared(name, id_array);
        }
        SqlParams& params = params_;
        params.clear();
        for (const JobRecord* job : changed) {
            table.add_rows(params, {*job, bucket, {}});
        }
        if (!params.empty()) {
            insert_rows(txn, table, params);
        }
    }
}

} // namespace jobsync
