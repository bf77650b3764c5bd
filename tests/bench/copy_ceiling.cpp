#include "bench_tools.hpp"
#include "bench_walk.hpp"

#include "jobsync/db/copy_writer.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/job_tables.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <string>
#include <vector>

namespace bench {
namespace {

std::vector<const jobsync::TableShape*> all_tables()
{
    std::vector<const jobsync::TableShape*> tables{&jobsync::jobs_table()};
    for (const jobsync::TableShape& table : jobsync::child_tables()) {
        tables.push_back(&table);
    }
    return tables;
}

// One page's COPY text, per table (in all_tables() order).
using PageLines = std::vector<std::string>;

PageLines page_lines(const std::string& bucket, const jobsync::JobsPage& page)
{
    const std::vector<const jobsync::TableShape*> tables = all_tables();
    PageLines lines(tables.size());
    for (const jobsync::JobRecord& job : page.jobs) {
        const std::string hash = jobsync::bytea_literal(jobsync::detail_hash(job));
        for (std::size_t t = 0; t < tables.size(); ++t) {
            jobsync::SqlParams params;
            tables[t]->add_rows(params, {job, bucket, hash});
            jobsync::append_copy_lines(lines[t], *tables[t], params);
        }
    }
    return lines;
}

// One transaction per page, pages handed out in order to the threads.
void copy_pages(const jobsync::Config& config, const std::vector<PageLines>& pages,
                std::atomic<std::size_t>& next_page)
{
    const std::vector<const jobsync::TableShape*> tables = all_tables();
    const auto conn = jobsync::open_connection(config.database);
    for (std::size_t p = next_page++; p < pages.size(); p = next_page++) {
        pqxx::work txn(*conn);
        for (std::size_t t = 0; t < tables.size(); ++t) {
            if (!pages[p][t].empty()) {
                jobsync::copy_lines(txn, *tables[t], pages[p][t]);
            }
        }
        txn.commit();
    }
}

} // namespace

void run_copy_ceiling(const jobsync::Config& config, long max_jobs)
{
    std::vector<PageLines> pages;
    long jobs = 0;
    walk_all(config, max_jobs, [&](const std::string& bucket, const jobsync::JobsPage& page) {
        jobs += static_cast<long>(page.jobs.size());
        pages.push_back(page_lines(bucket, page));
    });
    // As many connections as the sync's worker threads, each committing a
    // page at a time as the sync does: group commit helps both alike.
    const int connections = config.sync.concurrency;
    std::atomic<std::size_t> next_page{0};
    std::vector<std::future<void>> threads;
    const double start = now_seconds();
    for (int c = 0; c < connections; ++c) {
        threads.push_back(std::async(std::launch::async, copy_pages, std::cref(config),
                                     std::cref(pages), std::ref(next_page)));
    }
    for (std::future<void>& thread : threads) {
        thread.get(); // rethrows a thread's error
    }
    print_rate("copy", jobs, now_seconds() - start);
    std::printf("copy connections=%d pages=%zu\n", connections, pages.size());
}

} // namespace bench
