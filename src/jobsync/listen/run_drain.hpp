// Writing out inbox_runs: each WorkflowFinish run is fetched, signed, with
// GET /workflowexecution/<RunId> and written with its tasks through the
// workflow store in the transaction that deletes its row. InboxDrain runs it
// beside the job batches, so `listen`'s fetcher and `sync` both drain it.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/stop_token.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/listen/inbox_drain.hpp"

#include <optional>
#include <string>

namespace jobsync {

class RunDrain {
public:
    // stop ends the detail requests and the database retries.
    RunDrain(const Config& config, DbSession& db, ApiClients& clients, StopToken stop);

    // The run due first (InboxTake as for job batches: pass_started set by
    // `sync`'s pass). Returns false when none is due. A run the service does
    // not know leaves the inbox with a log line; a failed or refused detail
    // request (403, 404, retries exhausted) backs off that run only and
    // after [listen] max_attempts moves it to inbox_runs_dropped. Throws
    // RunError when stopped.
    bool drain_one(DrainStats& stats, const std::optional<std::string>& pass_started);

private:
    void back_off(const InboxRun& run, const std::string& error, DrainStats& stats);

    const Config& config_;
    DbSession& db_;
    ApiClients& clients_;
    StopToken stop_;
};

} // namespace jobsync
