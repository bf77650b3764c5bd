// The one walk machine: slice k of plan P, the partition's listing (GET /jobs,
// a workflow's runs or the batch jobs: listing_kinds.hpp) page by page over
// the slice's window (the one paging policy, page_walk), each page's items
// and the slice's row committed in one transaction that first checks this worker
// still holds the slice's unit (and renews its lease). A refused check rolls
// the page back and ends the walk: another worker holds the slice. The
// transaction of the plan's last page moves the cursor and deletes the plan.
#pragma once

#include "jobsync/db/job_store.hpp"
#include "jobsync/db/plan_store.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/unit_context.hpp"

#include <optional>

namespace jobsync {

class SliceWalk {
public:
    SliceWalk(UnitContext& context, const Partition& partition, const UnitKey& unit);

    // Walks the slice from its row to its end (nothing to do when it is done
    // or its plan is gone). `first_page`: the planner's probe page, the
    // slice's first, committed before anything is fetched. Never throws for
    // the walk's own failures (the service's, a bad page): they are returned,
    // the slice's row stays where it was. A lost connection is replaced and
    // the page redone (db_retry). Throws RunError when the run must stop.
    UnitOutcome run(std::optional<JobsPage> first_page = std::nullopt);

private:
    template <typename Page> class PageCommitter;

    // One attempt from the stored row; false when stopped.
    bool walk_from_row(std::optional<JobsPage>& first_page, PartitionStats& stats);
    // The planner's probe page (jobs only); true when it was the last.
    bool commit_first_page(std::optional<JobsPage>& first_page, PartitionStats& stats);
    // The partition's listing from `position`, each page committed.
    bool walk_kind(const PagePosition& position, PartitionStats& stats);
    // The claim check every write transaction of the walk starts with.
    bool fence(pqxx::work& txn) const;
    // A rejected or too old token: the slice restarts from `start`, fenced.
    void restart_from(std::optional<UnixSeconds> start);
    SliceClaim claim() const
    {
        return {context_.holder.round_id, context_.holder.worker_id, unit_.claim_no, unit_.plan_id,
                unit_.slice};
    }
    // Figures after the plan closed: unfinished jobs, lag.
    void after_close(PartitionStats& stats);

    UnitContext& context_;
    const Partition& partition_;
    UnitKey unit_;
    JobStore store_;
    std::optional<UnixSeconds> window_end_; // of the plan, once loaded
    bool split_ = false;                    // the plan has more than one slice
    bool closed_ = false;                   // its last page closed the plan
};

} // namespace jobsync
