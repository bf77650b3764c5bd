// Writing out the inbox: its ids are fetched, signed, with GET /jobs/<ids>
// and upserted through the job store in one transaction per batch that also
// deletes the batch from the inbox; its workflow runs go through RunDrain. `listen`'s fetcher and
// `sync` both drain through this.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/db/job_store.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace jobsync {

struct DrainStats {
    long batches = 0;
    long ids = 0;     // ids taken from the inbox and written out
    long written = 0; // jobs inserted or updated
    long unchanged = 0;
    long unknown = 0;       // NonExistJobIds, dropped from the inbox
    long requests = 0;      // by-id HTTP requests
    double latency_sum = 0; // per id: seconds from its first callback to its commit
    double latency_max = 0;
    long failed = 0;  // ids whose by-id request failed (backed off)
    long dropped = 0; // ids moved to inbox_dropped after [listen] max_attempts
    // Workflow runs (inbox_runs, RunDrain): written with their tasks, unknown
    // to the service, detail requests failed, moved to inbox_runs_dropped.
    long runs = 0;
    long runs_unknown = 0;
    long runs_failed = 0;
    long runs_dropped = 0;
    DrainStats& operator+=(const DrainStats& other);
};

class InboxDrain {
public:
    // `stop` aborts the by-id requests and the database retries.
    InboxDrain(const Config& config, DbSession& db, ApiClients& clients, StopToken stop);

    // One batch of the ids due (up to [sync] ids_per_request ids of one
    // bucket), then one workflow run due (RunDrain). Returns false when
    // neither is due. When the service refuses the
    // batch or keeps failing, its ids back off (doubling from 2 s up to 5 min)
    // and after [listen] max_attempts move to inbox_dropped, with a log line;
    // other buckets' batches are not held up. Throws RunError when stopped.
    bool drain_batch(DrainStats& stats);

    // `sync`'s pass: every row (of inbox and inbox_runs) once, back-off or
    // not (a failure still counts an attempt), until none is left untried or
    // the stop flag is raised.
    DrainStats drain_all();

private:
    bool drain_one(DrainStats& stats, const std::optional<std::string>& pass_started);
    void back_off(const InboxBatch& batch, const std::string& error, DrainStats& stats);

    const Config& config_;
    DbSession& db_;
    ApiClients& clients_;
    StopToken stop_;
    JobStore store_;
};

} // namespace jobsync
