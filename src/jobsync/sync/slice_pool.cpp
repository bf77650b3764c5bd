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

    bool failed_fatally()
    {
        const std::lock_guard<std::mutex> lock(mutex);
        return static_cast<bool>(fatal);
    }
};

bool stopping(const std::atomic<bool>* stop_flag)
{
    return stop_flag != nullptr && stop_flag->load();
}

// One thread's share: a session, a client and a walker, used for every
// slice the thread claims; the calling thread lends its own.
class SliceThread {
public:
    SliceThread(SliceWorkers& workers, const SyncConfig& sync, const Partition& partition,
                PoolState& state, const SliceTurn& turn, const std::atomic<bool>* stop_flag)
        : own_db_(turn.db != nullptr ? nullptr : std::make_unique<DbSession>(workers.database)),
          own_client_(turn.client != nullptr ? nullptr : workers.api.make(*partition.source)),
          db_(turn.db != nullptr ? *turn.db : *own_db_),
          client_(turn.client != nullptr ? *turn.client : *own_client_),
          walker_(db_, client_, sync, stop_flag), claims_(*workers.claims), partition_(partition),
          state_(state), stop_flag_(stop_flag)
    {
    }

    // Walks `first`, then every slice it can claim, until none is left.
    void walk_claimable(std::optional<int> first)
    {
        std::optional<int> slice = first;
        if (!slice) {
            slice = claims_.claim_slice(db_, partition_);
        }
        while (slice && !stopping(stop_flag_) && !state_.failed_fatally()) {
            walk(*slice);
            slice = claims_.claim_slice(db_, partition_);
        }
        if (slice) { // claimed while stopping: another worker walks it
            claims_.finish(db_, partition_, slice, PartitionStatus::interrupted);
        }
    }

    // Until no slice is todo or walking: the other workers' slices end, or
    // their workers die and the slices become claimable here.
    void wait_for_others()
    {
        while (!stopping(stop_flag_) && !state_.failed_fatally() &&
               claims_.slices_pending(db_, partition_)) {
            if (const std::optional<int> slice = claims_.claim_slice(db_, partition_)) {
                walk(*slice);
            } else if (!claims_.poll()) {
                return;
            }
        }
    }

private:
    void walk(int slice)
    {
        const SliceOutcome outcome = walker_.walk(partition_, slice);
        claims_.finish(db_, partition_, slice, outcome.status);
        const std::lock_guard<std::mutex> lock(state_.mutex);
        state_.result.stats += outcome.stats;
        if (outcome.status == PartitionStatus::interrupted) {
            state_.result.interrupted = true;
        } else if (outcome.status == PartitionStatus::failed) {
            ++state_.result.failed;
            state_.result.error += (state_.result.error.empty() ? "" : "\n") + outcome.error;
        }
    }

    std::unique_ptr<DbSession> own_db_;
    std::unique_ptr<CiClient> own_client_;
    DbSession& db_;
    CiClient& client_;
    SliceWalker walker_;
    RoundClaims& claims_;
    const Partition& partition_;
    PoolState& state_;
    const std::atomic<bool>* stop_flag_;
};

void run_slice_thread(SliceWorkers& workers, const SyncConfig& sync, const Partition& partition,
                      PoolState& state, const SliceTurn& turn, bool caller,
                      const std::atomic<bool>* stop_flag)
{
    try {
        const SliceTurn own; // a thread of the pool's: its own session and client
        SliceThread(workers, sync, partition, state, caller ? turn : own, stop_flag)
            .walk_claimable(caller ? turn.claimed : std::nullopt);
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
                            const Partition& partition, const SliceTurn& turn,
                            const std::atomic<bool>* stop_flag)
{
    PoolState state;
    const int wanted = std::min<int>(sync.concurrency, turn.unfinished);
    const int extra = workers.budget.take(wanted - 1);
    std::vector<std::thread> threads;
    for (int i = 0; i < extra; ++i) {
        threads.emplace_back(run_slice_thread, std::ref(workers), std::cref(sync),
                             std::cref(partition), std::ref(state), std::cref(turn), false,
                             stop_flag);
    }
    run_slice_thread(workers, sync, partition, state, turn, true, stop_flag);
    // The threads end when nothing is left to claim; only then does the
    // caller wait on the other workers' slices, looking often (not every
    // heartbeat beat), so the partition's cursor moves soon after the last.
    for (std::thread& thread : threads) {
        thread.join();
    }
    workers.budget.give_back(extra);
    if (turn.wait_for_others && !state.fatal) {
        try {
            SliceThread(workers, sync, partition, state, turn, stop_flag).wait_for_others();
        } catch (...) {
            state.fatal = std::current_exception();
        }
    }
    if (state.fatal) {
        std::rethrow_exception(state.fatal);
    }
    return std::move(state.result);
}

} // namespace jobsync
