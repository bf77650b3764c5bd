// Writing out the inbox: its ids are fetched, signed, with GET /jobs/<ids>
// and upserted through the job store in one transaction per batch that also
// deletes the batch from the inbox. `listen`'s fetcher and `sync` both drain
// through this.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/job_store.hpp"

#include <atomic>
#include <cstddef>

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
    DrainStats& operator+=(const DrainStats& other);
};

class InboxDrain {
public:
    // stop_flag aborts the by-id requests and the database retries.
    InboxDrain(const Config& config, DbSession& db, ApiClients& clients,
               const std::atomic<bool>* stop_flag);

    // One batch (up to [sync] ids_per_request ids of one bucket). Returns
    // false when the inbox is empty. Throws PartitionError when the service
    // refuses the batch (its ids stay in the inbox), RunError when stopped.
    bool drain_batch(DrainStats& stats);

    // Batches until the inbox is empty or the stop flag is raised.
    DrainStats drain_all();

private:
    const Config& config_;
    DbSession& db_;
    ApiClients& clients_;
    const std::atomic<bool>* stop_flag_;
    JobStore store_;
};

} // namespace jobsync
