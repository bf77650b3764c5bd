// Decides whether a fresh walk's window is split into slices, from what the
// service shows of it: its first page oldest first (the walk's own first
// page), and only when that page promises much history, its first page
// newest first.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/plan_store.hpp"
#include "jobsync/sync/page_walk.hpp"

#include <vector>

namespace jobsync {

struct WindowProbe {
    JobsPage first_page;             // the window's oldest page
    std::vector<SliceWindow> slices; // empty => not split: first_page starts the walk
};

// `from` is the frozen window of a walk that has committed nothing yet. A
// window whose first page has no NextToken or is not full, or whose estimated pages
// (slice_plan.hpp) make fewer than two slices, is not split. Throws
// PartitionError when the service fails.
WindowProbe probe_window(CiClient& client, const Partition& partition, int page_size,
                         int concurrency, const PagePosition& from);

} // namespace jobsync
