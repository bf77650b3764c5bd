// The slices of one partition walked in parallel by this process: each
// thread with its own PostgreSQL session and its own client from the run's
// factory (so the run's rate limiter holds across them), each slice claimed
// in the round first, so other workers walk the slices these threads do not.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/sync/partition_walker.hpp"
#include "jobsync/sync/round_claims.hpp"

#include <atomic>
#include <optional>
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
    int failed = 0;    // slices whose walk failed here
    std::string error; // the failed slices, one line each; "" => none failed
};

// How the calling thread takes part.
struct SliceTurn {
    // The calling thread's session and client, lent for its slices, or
    // nullptr to make its own. The planner lends neither: its session holds
    // the partition's advisory lock, which a slice walk's reconnect would
    // silently drop, and its walk counts its own client's requests.
    DbSession* db = nullptr;
    CiClient* client = nullptr;
    int unfinished = 1;           // slices left to claim: no more threads than that
    std::optional<int> claimed;   // a slice this thread claimed already, walked first
    bool wait_for_others = false; // the planner: returns once no slice is todo or walking
};

// Walks the partition's slices that it can claim, on the calling thread and
// up to sync.concurrency - 1 threads more (as the budget allows), each with
// its own session and client, until none is left to claim. Then, for the
// planner, the calling thread waits for the slices other workers walk
// (looking every RoundClaims::poll), taking over one whose worker is gone.
// A failed slice does not stop the others. Throws the first RunError a
// thread met, once every thread has ended.
SlicePoolResult walk_slices(SliceWorkers& workers, const SyncConfig& sync,
                            const Partition& partition, const SliceTurn& turn,
                            const std::atomic<bool>* stop_flag);

} // namespace jobsync
