#include "jobsync/sync/sync_run.hpp"

#include "jobsync/api/api_clients.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/db/run_store.hpp"
#include "jobsync/listen/inbox_drain.hpp"
#include "jobsync/sync/round_claims.hpp"
#include "jobsync/sync/round_membership.hpp"
#include "jobsync/sync/slice_pool.hpp"

#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

std::string message_of(const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

// The run's own connection idles while the workers run: if it was lost
// meanwhile, it is replaced rather than leaving the run marked 'running'.
void record_run_end(DbSession& db, long long run_id, const SyncSummary& summary,
                    const std::string& errors)
{
    const PartitionStats& t = summary.totals;
    RunTotals totals;
    totals.status = summary.interrupted ? "interrupted" : summary.failed > 0 ? "failed" : "ok";
    totals.partitions_failed = summary.failed;
    totals.partitions_skipped = summary.skipped;
    totals.pages = t.pages;
    totals.requests = t.requests;
    totals.jobs = t.jobs;
    totals.inserted = t.inserted;
    totals.updated = t.updated;
    totals.unchanged = t.unchanged;
    totals.refusals = t.refused;
    totals.warnings = t.warnings;
    totals.quarantined = t.quarantined;
    totals.refreshed_by_id = t.refreshed_by_id;
    totals.requests_by_id = t.requests_by_id;
    totals.vanished = t.vanished;
    totals.slices = t.slices;
    totals.errors = errors;
    perform(db, "recording the end of the run",
            [&] { run_store::finish_run(db.conn(), run_id, totals); });
}

// What callbacks acknowledged (`listen`) is written first, so it never waits
// for the listener to come back. A failure leaves the ids in the inbox for the
// next run or listener; the walk goes on.
void drain_inbox(const Config& config, DbSession& db, ApiClients& clients,
                 const std::atomic<bool>* stop_flag)
{
    try {
        InboxDrain(config, db, clients, stop_flag).drain_all();
    } catch (const PartitionError& e) {
        log_error("inbox not written out", {{"error", e.what()}});
    }
}

// Shared between the workers of one run.
struct RunState {
    RunState(const Config& config, const std::atomic<bool>* stop_flag)
        : limiter(config.sync.max_requests_per_second), api(config.sync, limiter, stop_flag),
          slice_threads(0), slices{api, config.database, slice_threads}
    {
    }
    std::vector<Partition> partitions;
    RateLimiter limiter; // one per run: the service throttles per account
    ApiClientFactory api;
    SliceThreadBudget slice_threads; // what the partition workers leave of sync.concurrency
    SliceWorkers slices;
    std::mutex mutex;
    SyncSummary summary;
    std::string errors;
    // The first error a worker could not handle (a RunError: the database is
    // unreachable): the run stops and rethrows it as it was.
    std::exception_ptr fatal;
};

// A time slice of a partition another walker planned (maybe in another
// process): walked here, with as many of the run's spare threads as the
// budget allows claiming the plan's other slices. The planner moves the
// partition's cursor once every slice is done.
void walk_claimed_slice(const Config& config, RunState& state, DbSession& db, CiClient& client,
                        const Partition& partition, int slice, const std::atomic<bool>* stop_flag)
{
    SliceTurn turn; // this thread's session holds no partition's lock
    turn.db = &db;
    turn.client = &client;
    turn.unfinished = config.sync.concurrency; // the threads end when none is left to claim
    turn.claimed = slice;
    const SlicePoolResult walked =
        walk_slices(state.slices, config.sync, partition, turn, stop_flag);
    const std::lock_guard<std::mutex> lock(state.mutex);
    state.summary.totals += walked.stats;
    state.summary.failed += walked.failed;
    if (!walked.error.empty()) {
        state.errors += (state.errors.empty() ? "" : "\n") + walked.error;
    }
    state.summary.interrupted = state.summary.interrupted || walked.interrupted;
}

// Claims decide who walks a partition (once per round, across processes);
// the walker's advisory lock still keeps two walks of it apart.
void run_worker(const Config& config, const SyncOptions& options, RunState& state,
                RoundClaims& claims, const std::atomic<bool>* stop_flag)
{
    try {
        DbSession db(config.database);
        ApiClients clients(state.api);
        for (;;) {
            {
                const std::lock_guard<std::mutex> lock(state.mutex);
                if (state.fatal) {
                    return;
                }
            }
            const ClaimedWork work = claims.claim(db);
            if (work.partition == nullptr) {
                return;
            }
            const Partition& partition = *work.partition;
            CiClient& client = clients.for_source(*partition.source);
            if (work.slice) {
                walk_claimed_slice(config, state, db, client, partition, *work.slice, stop_flag);
                continue;
            }
            PartitionWalker walker(
                db, client, config.sync,
                {config.database.schema, options.wait_lock_seconds, &state.slices}, stop_flag);
            const PartitionOutcome outcome = walker.sync(partition);
            claims.finish(db, partition, std::nullopt, outcome.status);
            const PartitionStats& s = outcome.stats;
            if (outcome.status == PartitionStatus::ok) {
                // Quiet when healthy: a partition with nothing new is a debug
                // line, so a timer run over many partitions logs its summary.
                const bool changed = s.inserted + s.updated + s.refused + s.quarantined > 0;
                Logger::write(changed ? LogLevel::info : LogLevel::debug, "partition synced",
                              {{"partition", partition.label()},
                               {"pages", std::to_string(s.pages)},
                               {"jobs", std::to_string(s.jobs)},
                               {"inserted", std::to_string(s.inserted)},
                               {"updated", std::to_string(s.updated)},
                               {"unchanged", std::to_string(s.unchanged)},
                               {"refused", std::to_string(s.refused)},
                               {"quarantined", std::to_string(s.quarantined)}});
            }
            const std::lock_guard<std::mutex> lock(state.mutex);
            state.summary.reports.push_back({partition.label(), partition.bucket(), partition.tag,
                                             partition.queue_id, outcome});
            state.summary.totals += s;
            switch (outcome.status) {
            case PartitionStatus::failed:
                ++state.summary.failed;
                state.errors +=
                    (state.errors.empty() ? "" : "\n") + partition.label() + ": " + outcome.error;
                break;
            case PartitionStatus::skipped:
                ++state.summary.skipped;
                break;
            case PartitionStatus::interrupted:
                state.summary.interrupted = true;
                break;
            case PartitionStatus::ok:
                break;
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

SyncSummary run_sync(const Config& config, const SyncOptions& options,
                     const std::atomic<bool>* stop_flag)
{
    const auto started = std::chrono::steady_clock::now();
    DbSession db(config.database);
    apply_migrations(db.conn(), config.database.schema);

    RunState state(config, stop_flag);
    ApiClients discovery(state.api);
    drain_inbox(config, db, discovery, stop_flag);
    std::vector<std::string> discovery_errors;
    try {
        state.partitions = expand_partitions(config, discovery, discovery_errors);
    } catch (const RunError&) {
        // Stopped while listing queues: record an interrupted run, as for a
        // stop during the walks.
        if (stop_flag == nullptr || !stop_flag->load()) {
            throw;
        }
    }
    for (const std::string& error : discovery_errors) {
        ++state.summary.failed;
        state.errors += (state.errors.empty() ? "" : "\n") + error;
        log_error("queue discovery failed", {{"error", error}});
    }
    state.summary.partitions = static_cast<int>(state.partitions.size());
    RoundMembership round(config, state.partitions, state.limiter, stop_flag);
    state.summary.round_id = round.round_id();
    const StartedRun run_row = perform(db, "recording the start of the run", [&] {
        return run_store::start_run(db.conn(), state.summary.partitions, round.round_id(),
                                    round.worker().worker_id,
                                    round_store::presence_prefix(config.database.schema));
    });
    const long long run_id = run_row.run_id;
    for (const AbandonedRun& gone : run_row.abandoned) {
        log_warn("an earlier run's process is gone; its run is closed as abandoned",
                 {{"run", std::to_string(gone.run_id)},
                  {"host", gone.host},
                  {"pid", std::to_string(gone.pid)}});
    }

    const int workers =
        std::max(1, std::min<int>(options.concurrency, static_cast<int>(state.partitions.size())));
    // Never more than sync.concurrency threads walking: with fewer partitions
    // than that, the rest walk time slices of the dense ones.
    state.slice_threads.give_back(config.sync.concurrency - workers);
    RoundClaims claims(round, state.partitions, stop_flag);
    state.slices.claims = &claims;
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) {
        threads.emplace_back(run_worker, std::cref(config), std::cref(options), std::ref(state),
                             std::ref(claims), stop_flag);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    round.leave();
    if (stop_flag != nullptr && stop_flag->load()) {
        state.summary.interrupted = true;
    }
    state.summary.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (state.fatal) {
        state.errors += (state.errors.empty() ? "" : "\n") + message_of(state.fatal);
        ++state.summary.failed;
    }
    try {
        record_run_end(db, run_id, state.summary, state.errors);
    } catch (const std::exception& e) {
        log_error("could not record the run", {{"error", e.what()}});
    }
    if (state.fatal) {
        std::rethrow_exception(state.fatal);
    }
    return state.summary;
}

} // namespace jobsync
