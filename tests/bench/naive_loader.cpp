#include "bench_tools.hpp"
#include "bench_walk.hpp"

#include "jobsync/db/database.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/job_tables.hpp"

#include <pqxx/pqxx>

#include <string>
#include <unordered_map>

namespace bench {
namespace {

// INSERT ... VALUES (one row) ON CONFLICT (key) DO UPDATE SET every other column.
std::string upsert_sql(const jobsync::TableShape& table)
{
    std::string names;
    std::string values;
    std::string updates;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        const jobsync::TableColumn& column = table.columns[c];
        names += (c == 0 ? "" : ", ") + column.name;
        values += (c == 0 ? "$" : ", $") + std::to_string(c + 1) + std::string(column.cast);
        bool key = false;
        for (const std::string& part : table.key) {
            key = key || part == column.name;
        }
        if (!key) {
            updates += (updates.empty() ? "" : ", ") + column.name + " = EXCLUDED." + column.name;
        }
    }
    std::string key;
    for (const std::string& part : table.key) {
        key += (key.empty() ? "" : ", ") + part;
    }
    return "INSERT INTO " + table.name + " (" + names + ") VALUES (" + values + ") ON CONFLICT (" +
           key + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

// One statement per row of table for the job.
void upsert_rows(pqxx::work& txn, const jobsync::TableShape& table,
                 const jobsync::JobRowContext& row)
{
    jobsync::SqlParams params;
    table.add_rows(params, row);
    const std::vector<jobsync::SqlValue>& values = params.values();
    const std::size_t width = table.columns.size();
    for (std::size_t first = 0; first < values.size(); first += width) {
        const jobsync::SqlValue* begin = values.data() + first;
        txn.exec_prepared("naive_" + table.name,
                          pqxx::prepare::make_dynamic_params(begin, begin + width));
    }
}

} // namespace

void run_naive_loader(const jobsync::Config& config, long max_jobs)
{
    const auto conn = jobsync::open_connection(config.database);
    conn->prepare("naive_jobs", upsert_sql(jobsync::jobs_table()));
    for (const jobsync::TableShape& table : jobsync::child_tables()) {
        conn->prepare("naive_" + table.name, upsert_sql(table));
    }
    const double start = now_seconds();
    const WalkTotals totals =
        walk_all(config, max_jobs, [&](const std::string& bucket, const jobsync::JobsPage& page) {
            // A batch may not hold a key twice, but one row at a time may: the
            // last occurrence simply wins, as in the worker.
            pqxx::work txn(*conn);
            for (const jobsync::JobRecord& job : page.jobs) {
                const std::string hash = jobsync::bytea_literal(jobsync::detail_hash(job));
                const jobsync::JobRowContext row{job, bucket, hash};
                upsert_rows(txn, jobsync::jobs_table(), row);
                for (const jobsync::TableShape& table : jobsync::child_tables()) {
                    upsert_rows(txn, table, row);
                }
            }
            txn.commit();
        });
    print_rate("naive", totals.jobs, now_seconds() - start);
}

} // namespace bench
