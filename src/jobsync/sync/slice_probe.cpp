#include "jobsync/sync/slice_probe.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/sync/slice_plan.hpp"

#include <algorithm>

namespace jobsync {
namespace {

PageSpan span_of(const JobsPage& page)
{
    PageSpan span{page.jobs.front().creation_time, page.jobs.front().creation_time,
                  static_cast<long>(page.jobs.size())};
    for (const JobRecord& job : page.jobs) {
        span.oldest = std::min(span.oldest, job.creation_time);
        span.newest = std::max(span.newest, job.creation_time);
    }
    return span;
}

} // namespace

WindowProbe probe_window(CiClient& client, const Partition& partition, int page_size,
                         int concurrency, const PagePosition& from)
{
    WindowProbe probe;
    ListJobsQuery query = window_query(partition, page_size, from);
    probe.first_page = client.list_jobs(query);
    const JobsPage& first = probe.first_page;
    // A page short of `size` with a NextToken is a listing that thins out
    // (or a service that pages by its own rule): nothing to split.
    const bool full = first.jobs.size() >= static_cast<std::size_t>(page_size);
    if (concurrency < 2 || first.next_token.empty() || !full || !from.end) {
        return probe;
    }
    const PageSpan oldest = span_of(first);
    // The first page alone prices the window up to its end: cheap, and
    // enough to leave a window of a few pages alone.
    if (slice_count(estimate_pages(oldest, nullptr, *from.end - 1, page_size), concurrency) < 2) {
        return probe;
    }
    // Where the history ends: a window that reaches far past its newest job
    // (an account idle for months) is split over the jobs, not over the idle time.
    query.newest_first = true;
    JobsPage last = client.list_jobs(query);
    if (last.jobs.empty()) {
        return probe;
    }
    const PageSpan newest = span_of(last);
    const long pages = estimate_pages(oldest, &newest, newest.newest, page_size);
    const int slices = slice_count(pages, concurrency);
    log_debug("window probed", {{"partition", partition.label()},
                                {"estimated_pages", std::to_string(pages)},
                                {"slices", std::to_string(slices)}});
    client.recycle(std::move(last));
    if (slices < 2) {
        return probe;
    }
    probe.slices = split_window({from.start, *from.end}, oldest.oldest, newest.newest, slices);
    if (probe.slices.size() < 2) {
        probe.slices.clear();
    }
    return probe;
}

} // namespace jobsync
