// Walking every partition of a config over HTTP, all of its history, the way
// the worker reads it (signed GET /jobs, oldest first, NextToken paging).
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/parse/jobs_page.hpp"

#include <functional>
#include <string>

namespace bench {

struct WalkTotals {
    long pages = 0;
    long jobs = 0;
    long requests = 0;
};

// Calls on_page for each page, in partition order (bucket is the source's),
// stopping after the page that reaches max_jobs (0: no limit). Partitions hold
// alike-shaped jobs, so a prefix gives the same per-job rate in less time.
WalkTotals walk_all(
    const jobsync::Config& config, long max_jobs,
    const std::function<void(const std::string& bucket, const jobsync::JobsPage& page)>& on_page);

// Seconds since an arbitrary epoch, monotonic.
double now_seconds();

// One result line the benchmark script parses: "<label> jobs=N seconds=S jobs_per_s=R".
void print_rate(const std::string& label, long jobs, double seconds);

} // namespace bench
