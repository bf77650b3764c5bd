// A workflow run's tasks come from its detail (GET /workflowexecution/<RunId>):
// fetched for the runs a page listed anew (or whose listed state changed) and,
// at planning, for the workflow's unfinished runs; never for a run finished
// and already detailed. Written with workflow_store in transactions that
// start with the caller's fence (its claim), so a worker that lost its unit
// writes nothing.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/domain/partition.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace jobsync {

// Runs whose details one transaction writes.
inline constexpr std::size_t kRunDetailsPerTransaction = 20;

struct RunDetailResult {
    long written = 0;  // runs written from their detail
    long unknown = 0;  // the service does not know them (left as listed)
    bool lost = false; // the fence failed: rolled back, nothing more fetched
};

// Fetches and writes the details of run_ids, kRunDetailsPerTransaction a
// transaction; `fence` runs first in each and returns false when the
// caller's claim is lost. Ids that cannot go in a path are skipped with a
// log line. Stops between batches when *stop_flag is set. Throws as
// CiClient does (a refused detail fails the partition; the run stays due).
RunDetailResult write_run_details(CiClient& client, pqxx::connection& conn,
                                  const Partition& partition,
                                  const std::vector<std::string>& run_ids,
                                  const std::function<bool(pqxx::work&)>& fence,
                                  const std::atomic<bool>* stop_flag);

} // namespace jobsync
