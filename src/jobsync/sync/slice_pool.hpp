// The slices of one partition walked in parallel by this process: each
// thread with its own PostgreSQL session and its own client from the run's
// factory (so the run's rate limiter holds across them), each slice claimed
// in the round first, so other workers walk the slices these threads do not.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/sync/partition_walker.hpp"
#include "jobsync/sync/round_claims.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace jobsync {

// Threads a run may start for slices besides the thread of the walker that
// asked: shared by every walker of the run, so a run with several dense
// partitions does not open concurrency² connections.
class SliceThreadBudget {
public:
    explicit SliceThreadBudget(int threads) : spare_(threads) {}
    int take(int wanted); // between 0 and wanted
    void give_back(int threads) { spare_ += threads; }

private:
    std::atomic<int> spare_;
};

// What a walker needs to walk slices on threads of its own.
struct SliceWorkers {
    ApiClientFactory& api;
    const DatabaseConfig& database;
    SliceThreadBudget& budget;
    RoundClaims* claims = nullptr; // the round's: every slice walk claims its slice row
};

struct SlicePoolResult {
    PartitionStats stats; // every slice's, requests included
    bool interrupted = false;
    std::string error; // the failed slices, one line each; "" => none failed
};

// Walks the slices of the partition's plan that it can claim, `unfinished`
// of them at most, on the calling thread and up to sync.concurrency - 1
// threads more (as the budget allows), each with its own session and client.
// Then the calling thread waits, taking over a slice whose worker is gone,
// until no slice claim of the partition is todo or walking. A failed slice
// does not stop the others. Throws the first RunError a thread met, once
// every thread has ended.
SlicePoolResult walk_slices(SliceWorkers& workers, const SyncConfig& sync,
                            const Partition& partition, int unfinished,
                            const std::atomic<bool>* stop_flag);

} // namespace jobsync
