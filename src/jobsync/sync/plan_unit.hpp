// A partition's plan unit: the first unit of its walk in a round. Reuses the
// plan a stopped walk left (closing it when every slice is done), or freezes
// a new window, refreshes the older unfinished jobs (a runs partition: its
// unfinished runs' details; batch jobs: the window opens at the oldest
// unfinished one), probes a jobs window and writes a plan of one or more slices, each a unit other
// threads (of any worker) claim. A one-slice plan's unit is written claimed by the planner, whose
// thread walks it next (walk_now), its probe page as its first: an incremental run costs no extra
// request.
#pragma once

#include "jobsync/db/job_store.hpp"
#include "jobsync/db/plan_store.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/refresh_plan.hpp"
#include "jobsync/sync/unit_context.hpp"

#include <optional>
#include <string>

namespace jobsync {

// A plan refreshes at most this many runs' details; the rest wait for the next.
inline constexpr long kMaxRunsRefreshed = 10000;

class PlanUnit {
public:
    PlanUnit(UnitContext& context, const Partition& partition, const UnitKey& unit);

    // Plans. Never throws for the partition's own failures; throws RunError
    // when the run must stop.
    UnitOutcome run();

    // After run(): the slice unit this worker holds and walks next (a
    // one-slice plan), and the page to commit as its first.
    const std::optional<UnitKey>& walk_now() const { return planned_.walk_now; }
    std::optional<JobsPage> take_first_page() { return std::move(planned_.first_page); }

private:
    struct Planned {
        PartitionStatus status = PartitionStatus::ok;
        std::optional<UnitKey> walk_now; // a one-slice plan's unit, held by this worker
        std::optional<JobsPage> first_page;
        bool lost = false;
    };

    // One attempt under the partition's advisory lock. Database errors propagate.
    PartitionStatus plan(Planned& planned, PartitionStats& stats);
    // The plan a stopped walk left: offered again, or closed when done.
    void reuse(const Plan& plan, Planned& planned);
    void make_plan(Planned& planned, PartitionStats& stats);
    // The window's start: cursor - lookback (or start_time), moved earlier
    // to re-walk older unfinished jobs, which are otherwise refreshed by id.
    std::optional<UnixSeconds> window_start(RefreshMode& mode, std::string& note,
                                            PartitionStats& stats);

    // A runs partition's unfinished (or never detailed) runs: their details,
    // fenced by this unit's claim. False when the claim was lost.
    bool refresh_runs();

    Planned planned_;
    UnitContext& context_;
    const Partition& partition_;
    UnitKey unit_;
    JobStore store_;
};

} // namespace jobsync
