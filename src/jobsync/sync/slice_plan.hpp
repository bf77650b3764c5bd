// How a window is split into time slices, from what its probe pages show:
// pure arithmetic, so the choice is tested without a service.
#pragma once

#include "jobsync/db/plan_store.hpp"

#include <vector>

namespace jobsync {

// The creation times of one probe page: its oldest and newest job, and how
// many jobs it held.
struct PageSpan {
    UnixSeconds oldest = 0;
    UnixSeconds newest = 0;
    long jobs = 0;
};

// A slice worth its own chain holds at least this many pages: below it the
// slice's first request and the probes cost more than the parallelism saves.
inline constexpr long kMinPagesPerSlice = 8;

// Slices planned per thread of the fleet: with two each, a thread that ends
// early takes another, and a worker that joins the round just after the plan
// (started in the same instant as the planner, a few ms late) still finds
// slices nobody has started.
inline constexpr int kSlicesPerThread = 2;

// Pages the window is estimated to hold from its oldest job to `last_job`:
// the probe pages' density (jobs per second, both pages when there are two)
// across that span. With only the oldest page, last_job is the window's end.
long estimate_pages(const PageSpan& oldest_page, const PageSpan* newest_page, UnixSeconds last_job,
                    int page_size);

// Slices for that many pages: 1 (not split) up to `concurrency`.
int slice_count(long estimated_pages, int concurrency);

// Splits `window` into `slices` windows of equal creation-time spans between
// first_job and last_job (the seconds of the oldest and newest job): the
// first slice keeps the window's start, the last its end. The API's bounds
// are exclusive, so slice k+1 starts one second before slice k ends: every
// second falls in exactly one slice. Fewer slices when the span has fewer
// seconds than `slices`.
std::vector<SliceWindow> split_window(const SliceWindow& window, UnixSeconds first_job,
                                      UnixSeconds last_job, int slices);

} // namespace jobsync
