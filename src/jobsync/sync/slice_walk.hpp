// Walks one slice of a partition's slice plan: GET /jobs page by page over
// the slice's window (the one paging policy, page_walk), each page's jobs and
// the slice's checkpoint row committed in one transaction. Any worker can
// walk any unfinished slice: nothing here depends on who made the plan.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/slice_store.hpp"
#include "jobsync/sync/partition_walker.hpp"

#include <atomic>
#include <string>

namespace jobsync {

struct SliceOutcome {
    PartitionStatus status = PartitionStatus::ok; // ok: the slice is done
    PartitionStats stats;                         // requests and retries included
    std::string error;
};

class SliceWalker {
public:
    SliceWalker(DbSession& db, CiClient& client, const SyncConfig& sync,
                const std::atomic<bool>* stop_flag);

    // Walks slice `slice` of the partition's plan from its checkpoint to its
    // end (nothing to do when it is done already). Never throws for
    // slice-level failures (the service's, a bad page): they are returned,
    // the slice's checkpoint stays where it was. A lost connection is
    // replaced and the page redone (db_retry). Throws RunError when the run
    // must stop.
    SliceOutcome walk(const Partition& partition, int slice);

private:
    class PageCommitter; // the slice walk's PageSink

    // One attempt from the stored checkpoint; false when stopped.
    bool walk_from_checkpoint(const Partition& partition, int slice, PartitionStats& stats);

    DbSession& db_;
    CiClient& client_;
    const SyncConfig& sync_;
    const std::atomic<bool>* stop_flag_;
    JobStore store_;
};

} // namespace jobsync
