// The sync_runs row of one `sync`: written when the run starts and when it ends.
#pragma once

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace jobsync {

// What a finished run reports into its row.
struct RunTotals {
    std::string status; // ok, failed, interrupted
    long partitions_failed = 0;
    long partitions_skipped = 0;
    long pages = 0;
    long requests = 0;
    long jobs = 0;
    long inserted = 0;
    long updated = 0;
    long unchanged = 0;
    long refusals = 0;
    long warnings = 0;
    long quarantined = 0;
    long refreshed_by_id = 0;
    long requests_by_id = 0;
    long vanished = 0;
    long slices = 0;    // time slices walked to their end
    std::string errors; // one line per failed partition; "" => NULL; sanitized here
};

// A run closed as abandoned: its row said running, its process was gone.
struct AbandonedRun {
    long long run_id = 0;
    std::string host;
    int pid = 0;
};

struct StartedRun {
    long long run_id = 0;
    std::vector<AbandonedRun> abandoned;
};

namespace run_store {

// Closes every `running` row whose worker is gone (its presence lock,
// round_store::presence_key, is free: its session closed) as `abandoned`,
// then inserts the run's row (this host and process, its round and worker
// id, status running) and commits.
StartedRun start_run(pqxx::connection& conn, int partitions, long long round_id,
                     const std::string& worker_id, const std::string& presence_prefix);

// Records the end of the run and commits.
void finish_run(pqxx::connection& conn, long long run_id, const RunTotals& totals);

} // namespace run_store
} // namespace jobsync
