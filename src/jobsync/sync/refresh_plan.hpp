// How a partition's older unfinished jobs are refreshed: by re-walking from
// the oldest of them, or by id, whichever costs fewer requests.
#pragma once

#include "jobsync/domain/refresh_mode.hpp"

namespace jobsync {

// What the database says about a partition before its walk.
struct RefreshFacts {
    long unfinished = 0;        // unfinished jobs older than the window start, in the horizon
    long jobs_since_oldest = 0; // stored jobs from the oldest of them to the window start
    int page_size = 100;        // sync.page_size
    int ids_per_request = 10;   // the by-id batch size in force
};

struct RefreshPlan {
    RefreshMode mode = RefreshMode::none;
    long walk_requests = 0;  // extra pages a re-walk from the oldest unfinished job costs
    long by_id_requests = 0; // ceil(unfinished / ids_per_request)
};

// A tie goes to the walk: it also re-reads the jobs around the unfinished ones.
RefreshPlan plan_refresh(const RefreshFacts& facts);

} // namespace jobsync
