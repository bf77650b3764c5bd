#include "jobsync/sync/slice_pool.hpp"

#include "jobsync/db/db_session.hpp"
#include "jobsync/sync/slice_walk.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

struct PoolState {
    std::mutex mutex;
    SlicePoolResult result;
    std::exception_ptr fatal;
};

bool stopping(const std::atomic<bool>* stop_flag)
{
    return stop_flag != nullptr && stop_flag->load();
}

// Claims and walks slices until none is claimable; `wait_for_others`: then
// waits for the slices other workers walk, taking over any whose worker dies.
void slice_worker(SliceWorkers& workers, const SyncConfig& sync, const Partition& partition,
                  PoolState& state, bool wait_for_others, const std::atomic<bool>* stop_flag)
{
    try {
        DbSession db(workers.database);
        const std::unique_ptr<CiClient> client = workers.api.make(*partition.source);
        SliceWalker walker(db, *client, sync, stop_flag);
        RoundClaims& claims = *workers.claims;
        while (!stopping(stop_flag)) {
            const std::optional<int> slice = claims.claim_slice(db, partition);
            if (!slice) {
                if (!wait_for_others || !claims.slices_pending(db, partition) || !claims.pause()) {
                    return;
                }
                continue;
            }
            const SliceOutcome outcome = walker.walk(partition, *slice);
            claims.finish(db, partition, slice, outcome.status);
            const std::lock_guard<std::mutex> lock(state.mutex);
            state.result.stats += outcome.stats;
            if (outcome.status == PartitionStatus::interrupted) {
                state.result.interrupted = true;
            } else if (outcome.status == PartitionStatus::failed) {
                state.result.error += (state.result.error.empty() ? "" : "\n") + outcome.error;
            }
            if (state.fatal) {
                return;
            }
        }
    } catch (...) {
        const std::lock_guard<std::mutex> lock(state.mutex);
        if (!state.fatal) {
            state.fatal = std::current_exception();
        }
    }
}

} // namespace

int SliceThreadBudget::take(int wanted)
{
    int spare = spare_.load();
    for (;;) {
        const int taken = std::clamp(spare, 0, std::max(0, wanted));
        if (spare_.compare_exchange_weak(spare, spare - taken)) {
            return taken;
        }
    }
}

SlicePoolResult walk_slices(SliceWorkers& workers, const SyncConfig& sync,
                            const Partition& partition, int unfinished,
                            const std::atomic<bool>* stop_flag)
{
    PoolState state;
    const int wanted = std::min<int>(sync.concurrency, unfinished);
    const int extra = workers.budget.take(wanted - 1);
    std::vector<std::thread> threads;
    for (int i = 0; i < extra; ++i) {
        threads.emplace_back(slice_worker, std::ref(workers), std::cref(sync), std::cref(partition),
                             std::ref(state), false, stop_flag);
    }
    slice_worker(workers, sync, partition, state, true, stop_flag);
    for (std::thread& thread : threads) {
        thread.join();
    }
    workers.budget.give_back(extra);
    if (state.fatal) {
        std::rethrow_exception(state.fatal);
    }
    return std::move(state.result);
}

} // namespace jobsync
