#include "jobsync/sync/slice_plan.hpp"

#include <algorithm>

namespace jobsync {
namespace {

// Seconds covered by a page, counting the seconds at both ends.
long seconds_of(const PageSpan& page)
{
    return std::max<long>(1, page.newest - page.oldest + 1);
}

} // namespace

long estimate_pages(const PageSpan& oldest_page, const PageSpan* newest_page, UnixSeconds last_job,
                    int page_size)
{
    double jobs = static_cast<double>(oldest_page.jobs);
    double seconds = static_cast<double>(seconds_of(oldest_page));
    if (newest_page != nullptr) {
        jobs += static_cast<double>(newest_page->jobs);
        seconds += static_cast<double>(seconds_of(*newest_page));
    }
    const double span = static_cast<double>(std::max<long>(1, last_job - oldest_page.oldest + 1));
    const double estimated_jobs = jobs / seconds * span;
    return static_cast<long>(estimated_jobs / std::max(1, page_size)) + 1;
}

int slice_count(long estimated_pages, int concurrency)
{
    const long slices = estimated_pages / kMinPagesPerSlice;
    return static_cast<int>(std::clamp<long>(slices, 1, std::max(1, concurrency)));
}

std::vector<SliceWindow> split_window(const SliceWindow& window, UnixSeconds first_job,
                                      UnixSeconds last_job, int slices)
{
    const long span = std::max<long>(1, last_job - first_job + 1);
    const long count = std::clamp<long>(slices, 1, span);
    std::vector<SliceWindow> windows;
    std::optional<UnixSeconds> start = window.start;
    for (long k = 1; k < count; ++k) {
        // Slice k-1 holds the seconds up to boundary - 1, slice k from boundary on.
        const UnixSeconds boundary = first_job + span * k / count;
        windows.push_back({start, boundary});
        start = boundary - 1;
    }
    windows.push_back({start, window.end});
    return windows;
}

} // namespace jobsync
