// Refreshing a partition's older unfinished jobs by id: GET /jobs/<ids> in
// batches, each batch written through the job store in one transaction that
// also marks the ids the service no longer knows. Checkpoints are not touched:
// a kill at any instant leaves the jobs as they were or refreshed, and the
// next run asks again.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/sync/partition.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace jobsync {

struct IdRefreshResult {
    long jobs = 0;     // jobs the service returned
    long requests = 0; // by-id requests sent, retries included
    long vanished = 0; // ids newly marked vanished
    PageWriteResult written;
};

// Throws PartitionError when the service fails, RunError when stopping;
// database errors propagate: the caller redoes its work (the partition walker
// re-takes its lock first), and ids already refreshed are no longer unfinished.
IdRefreshResult refresh_by_id(pqxx::connection& conn, CiClient& client, JobStore& store,
                              const Partition& partition, const std::vector<std::string>& job_ids,
                              const std::atomic<bool>* stop_flag);

} // namespace jobsync
