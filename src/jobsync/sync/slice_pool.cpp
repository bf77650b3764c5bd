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
    explicit PoolState(const std::vector<int>& slices_to_walk) : slices(slices_to_walk) {}
    const std::vector<int>& slices;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    SlicePoolResult result;
    std::exception_ptr fatal;
};

void slice_worker(SliceWorkers& workers, const SyncConfig& sync, const Partition& partition,
                  PoolState& state, const std::atomic<bool>* stop_flag)
{
    try {
        DbSession db(workers.database);
        const std::unique_ptr<CiClient> client = workers.api.make(*partition.source);
        SliceWalker walker(db, *client, sync, stop_flag);
        for (;;) {
            const std::size_t index = state.next++;
            if (index >= state.slices.size() || (stop_flag != nullptr && stop_flag->load())) {
                return;
            }
            const SliceOutcome outcome = walker.walk(partition, state.slices[index]);
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
                            const Partition& partition, const std::vector<int>& slices,
                            const std::atomic<bool>* stop_flag)
{
    if (slices.empty()) {
        return {};
    }
    PoolState state(slices);
    const int wanted = std::min<int>(sync.concurrency, static_cast<int>(slices.size()));
    const int extra = workers.budget.take(wanted - 1);
    std::vector<std::thread> threads;
    for (int i = 0; i < extra; ++i) {
        threads.emplace_back(slice_worker, std::ref(workers), std::cref(sync), std::cref(partition),
                             std::ref(state), stop_flag);
    }
    slice_worker(workers, sync, partition, state, stop_flag);
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
