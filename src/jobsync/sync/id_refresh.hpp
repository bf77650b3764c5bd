// Refreshing a partition's older unfinished jobs before its walk: by
// re-walking from the oldest of them or by id (GET /jobs/<ids> in batches),
// whichever costs fewer requests; and asking again for vanished jobs whose
// last NonExistJobIds answer is an hour old. Each by-id batch is written
// through the job store in one transaction that also records the ids the
// service no longer knows. Checkpoints are not touched: a kill at any
// instant leaves the jobs as they were or refreshed, and the next run asks
// again.
//
// By id is an optimisation, never a precondition: a job that cannot be
// fetched by id (its id cannot go in a path, the service refuses it alone
// with a 400, or refuses the key GET /jobs/<ids> with a 403 or 404) is
// refreshed by the walk instead, its window opening at that job.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/refresh_store.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/refresh_plan.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct IdRefreshResult {
    long jobs = 0;     // jobs the service returned
    long requests = 0; // by-id requests sent, retries included
    long vanished = 0; // ids newly marked vanished
    PageWriteResult written;
    // Set when refreshing by id stopped before the end of the list: the
    // creation time of the first job left to a re-walk, and why (for
    // `status`: sync_checkpoints.refresh_note).
    std::optional<UnixSeconds> left_from;
    std::string note;
};

// What refresh_by_id does after a batch with ids it could not fetch (each
// already logged by describe_jobs): stop there and leave them and the rest to
// a re-walk, or go on without them.
enum class OnRefusedId { leave_to_walk, skip };

// Fetches `jobs` (oldest first) by id; a 403 or 404 stops it (left_from).
// Throws PartitionError when the service fails otherwise, RunError when
// stopping; database errors propagate: the caller redoes its work (the
// partition walker re-takes its lock first), and ids already refreshed are no
// longer unfinished.
IdRefreshResult refresh_by_id(pqxx::connection& conn, CiClient& client, JobStore& store,
                              const Partition& partition,
                              const std::vector<refresh_store::JobToRefresh>& jobs,
                              OnRefusedId on_refused, const std::atomic<bool>* stop_flag);

// What the refresh before a walk did.
struct OlderRefresh {
    UnixSeconds start = 0; // the window's start: as given, or earlier to re-walk
    RefreshMode mode = RefreshMode::none;
    std::string note;      // why not (all) by id; "" when nothing stopped it
    IdRefreshResult by_id; // the by-id requests' work, vanished re-checks included
    long reappeared = 0;   // vanished jobs the service returned again
};

// Refreshes the unfinished jobs created in [horizon_start, start] (see the
// top of this file) and re-checks the partition's vanished jobs that are due.
OlderRefresh refresh_before_walk(pqxx::connection& conn, CiClient& client, JobStore& store,
                                 const Partition& partition, UnixSeconds start,
                                 UnixSeconds horizon_start, int page_size,
                                 const std::atomic<bool>* stop_flag);

} // namespace jobsync
