#include "bench_walk.hpp"

#include "jobsync/api/ci_client.hpp"
#include "jobsync/sync/partition.hpp"

#include <chrono>
#include <cstdio>

namespace bench {

WalkTotals walk_all(
    const jobsync::Config& config, long max_jobs,
    const std::function<void(const std::string& bucket, const jobsync::JobsPage& page)>& on_page)
{
    WalkTotals totals;
    for (const jobsync::Partition& partition : jobsync::expand_partitions(config)) {
        if (max_jobs > 0 && totals.jobs >= max_jobs) {
            break;
        }
        jobsync::CiClient client(*partition.source, jobsync::HttpOptions{}, jobsync::RetryPolicy{});
        jobsync::ListJobsQuery query;
        query.tag = partition.tag;
        query.queue_id = partition.queue_id;
        query.size = config.sync.page_size;
        std::string previous_token;
        for (;;) {
            jobsync::JobsPage page = client.list_jobs(query);
            ++totals.pages;
            totals.jobs += static_cast<long>(page.jobs.size());
            on_page(partition.bucket(), page);
            if (page.jobs.empty() || page.next_token.empty() ||
                (max_jobs > 0 && totals.jobs >= max_jobs) || page.next_token == previous_token) {
                break;
            }
            previous_token = page.next_token;
            query.next_token = page.next_token;
            client.recycle(std::move(page)); // as the worker does
        }
        totals.requests += client.counters().requests;
    }
    return totals;
}

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void print_rate(const std::string& label, long jobs, double seconds)
{
    std::printf("%s jobs=%ld seconds=%.3f jobs_per_s=%.0f\n", label.c_str(), jobs, seconds,
                seconds > 0 ? static_cast<double>(jobs) / seconds : 0.0);
    std::fflush(stdout);
}

} // namespace bench
