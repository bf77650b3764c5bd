#include "jobsync/sync/sync_run.hpp"

#include "jobsync/api/api_clients.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/daily_stats_store.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/db/run_store.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "jobsync/listen/inbox_drain.hpp"
#include "jobsync/sync/round_membership.hpp"
#include "jobsync/sync/unit_pool.hpp"

#include <chrono>
#include <exception>

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

// v_daily_job_stats is exact without it (the days a run changed are read
// from jobs until then); refreshing keeps those reads to a few days. A
// failure is logged and left to the next run.
void refresh_daily_stats(DbSession& db)
{
    try {
        const long days = perform(db, "refreshing the daily job statistics",
                                  [&] { return daily_stats_store::refresh(db.conn()); });
        log_debug("daily job statistics refreshed", {{"days", std::to_string(days)}});
    } catch (const std::exception& e) {
        log_warn("daily job statistics not refreshed", {{"error", e.what()}});
    }
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

// Discovery through the run's clients; the workflows listed are recorded
// in `workflows` as each page arrives (idempotent upserts: a run stopped
// midway leaves true rows).
class RecordingLister : public QueueLister {
public:
    RecordingLister(ApiClients& clients, DbSession& db) : clients_(clients), db_(db) {}

    std::vector<std::string> list_queues(const SourceConfig& source) override
    {
        return clients_.list_queues(source);
    }

    std::vector<std::string> list_workflows(const SourceConfig& source) override
    {
        return clients_.for_source(source).list_workflows([&](const WorkflowPage& page) {
            perform(db_, "recording discovered workflows", [&] {
                pqxx::work txn(db_.conn());
                workflow_store::write_workflows(txn, source.bucket, page);
                txn.commit();
            });
        });
    }

private:
    ApiClients& clients_;
    DbSession& db_;
};

} // namespace

SyncSummary run_sync(const Config& config, const SyncOptions& options,
                     const std::atomic<bool>* stop_flag)
{
    const auto started = std::chrono::steady_clock::now();
    DbSession db(config.database);
    apply_migrations(db.conn(), config.database.schema);

    RateLimiter limiter(config.sync.max_requests_per_second); // one per run: per account
    ApiClientFactory api(config.sync, limiter, stop_flag);
    SyncSummary summary;
    std::string errors;
    std::vector<Partition> partitions;
    ApiClients discovery(api);
    drain_inbox(config, db, discovery, stop_flag);
    std::vector<std::string> discovery_errors;
    try {
        RecordingLister lister(discovery, db);
        partitions = expand_partitions(config, lister, discovery_errors);
    } catch (const RunError&) {
        // Stopped while listing queues or workflows: record an interrupted run, as for a
        // stop during the walks.
        if (stop_flag == nullptr || !stop_flag->load()) {
            throw;
        }
    }
    for (const std::string& error : discovery_errors) {
        ++summary.failed;
        errors += (errors.empty() ? "" : "\n") + error;
        log_error("discovery failed", {{"error", error}});
    }
    summary.partitions = static_cast<int>(partitions.size());
    RoundMembership round(config, partitions, limiter, stop_flag);
    summary.round_id = round.round_id();
    const StartedRun run_row = perform(db, "recording the start of the run", [&] {
        return run_store::start_run(db.conn(), summary.partitions, round.round_id(),
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

    std::exception_ptr fatal;
    try {
        UnitPool(config, options.wait_lock_seconds, round, api, partitions, stop_flag)
            .run(summary, errors);
    } catch (...) {
        fatal = std::current_exception();
    }
    round.leave();
    if (stop_flag != nullptr && stop_flag->load()) {
        summary.interrupted = true;
    }
    summary.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (fatal) {
        errors += (errors.empty() ? "" : "\n") + message_of(fatal);
        ++summary.failed;
    }
    // A run that wrote no job leaves the refresh to the next run that does
    // (the view is exact either way): a no-op run costs what it did before
    // the rollup existed.
    const PartitionStats& written = summary.totals;
    if (!summary.interrupted && written.inserted + written.updated + written.refreshed_by_id > 0) {
        refresh_daily_stats(db);
    }
    try {
        record_run_end(db, run_id, summary, errors);
    } catch (const std::exception& e) {
        log_error("could not record the run", {{"error", e.what()}});
    }
    if (fatal) {
        std::rethrow_exception(fatal);
    }
    return summary;
}

} // namespace jobsync
