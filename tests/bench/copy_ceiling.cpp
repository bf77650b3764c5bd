#include "bench_tools.hpp"
#include "bench_walk.hpp"

#include "jobsync/db/database.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/job_tables.hpp"

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <string>
#include <vector>

namespace bench {
namespace {

// COPY text format: \N for NULL; backslash, tab, newline and CR escaped.
void append_copy_value(std::string& line, const jobsync::SqlValue& value)
{
    if (!value) {
        line += "\\N";
        return;
    }
    for (const char c : *value) {
        switch (c) {
        case '\\':
            line += "\\\\";
            break;
        case '\t':
            line += "\\t";
            break;
        case '\n':
            line += "\\n";
            break;
        case '\r':
            line += "\\r";
            break;
        default:
            line += c;
        }
    }
}

std::vector<const jobsync::TableShape*> all_tables()
{
    std::vector<const jobsync::TableShape*> tables{&jobsync::jobs_table()};
    for (const jobsync::TableShape& table : jobsync::child_tables()) {
        tables.push_back(&table);
    }
    return tables;
}

// One page's COPY lines, per table (in all_tables() order).
using PageLines = std::vector<std::vector<std::string>>;

PageLines page_lines(const std::string& bucket, const jobsync::JobsPage& page)
{
    const std::vector<const jobsync::TableShape*> tables = all_tables();
    PageLines lines(tables.size());
    for (const jobsync::JobRecord& job : page.jobs) {
        const std::string hash = jobsync::bytea_literal(jobsync::detail_hash(job));
        for (std::size_t t = 0; t < tables.size(); ++t) {
            jobsync::SqlParams params;
            tables[t]->add_rows(params, {job, bucket, hash});
            const std::vector<jobsync::SqlValue>& values = params.values();
            const std::size_t width = tables[t]->columns.size();
            for (std::size_t first = 0; first < values.size(); first += width) {
                std::string line;
                for (std::size_t c = 0; c < width; ++c) {
                    line += c == 0 ? "" : "\t";
                    append_copy_value(line, values[first + c]);
                }
                lines[t].push_back(std::move(line));
            }
        }
    }
    return lines;
}

// libpqxx 6.4's stream_to takes only std::tuple rows and keeps
// write_raw_line private; tablewriter is deprecated but sends lines as they are.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void copy_lines(pqxx::work& txn, const jobsync::TableShape& table,
                const std::vector<std::string>& lines)
{
    std::vector<std::string> columns;
    for (const jobsync::TableColumn& column : table.columns) {
        columns.push_back(column.name);
    }
    pqxx::tablewriter writer(txn, table.name, columns.begin(), columns.end());
    for (const std::string& line : lines) {
        writer.write_raw_line(line);
    }
    writer.complete();
}
#pragma GCC diagnostic pop

} // namespace

void run_copy_ceiling(const jobsync::Config& config, long max_jobs)
{
    std::vector<PageLines> pages;
    long jobs = 0;
    walk_all(config, max_jobs, [&](const std::string& bucket, const jobsync::JobsPage& page) {
        jobs += static_cast<long>(page.jobs.size());
        pages.push_back(page_lines(bucket, page));
    });
    const std::vector<const jobsync::TableShape*> tables = all_tables();
    const auto conn = jobsync::open_connection(config.database);
    const double start = now_seconds();
    for (const PageLines& page : pages) {
        pqxx::work txn(*conn);
        for (std::size_t t = 0; t < tables.size(); ++t) {
            if (!page[t].empty()) {
                copy_lines(txn, *tables[t], page[t]);
            }
        }
        txn.commit();
    }
    print_rate("copy", jobs, now_seconds() - start);
}

} // namespace bench
