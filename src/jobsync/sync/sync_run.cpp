#include "jobsync/sync/sync_run.hpp"

#include "jobsync/api/queue_lister.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/migrations.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

// sync_runs.errors holds one line per failed partition.
constexpr std::size_t kRunErrorsBytes = 64 * 1024;

long long start_run_record(pqxx::connection& conn, int partitions)
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    pqxx::work txn(conn);
    const long long run_id =
        txn.exec_params1("INSERT INTO sync_runs (host, pid, partitions) VALUES ($1, $2, $3) "
                         "RETURNING run_id",
                         std::string(host), static_cast<int>(::getpid()), partitions)[0]
            .as<long long>();
    txn.commit();
    return run_id;
}

void finish_run_record(pqxx::connection& conn, long long run_id, const SyncSummary& summary,
                       const std::string& errors)
{
    const PartitionStats& t = summary.totals;
    const std::string status = summary.interrupted  ? "interrupted"
                               : summary.failed > 0 ? "failed"
                                                    : "ok";
    pqxx::work txn(conn);
    txn.exec_params("UPDATE sync_runs SET finished_at = now(), status = $2, "
                    "partitions_failed = $3, partitions_skipped = $4, pages = $5, requests = $6, "
                    "jobs = $7, jobs_inserted = $8, jobs_updated = $9, jobs_unchanged = $10, "
                    "refusals = $11, warnings = $12, errors = nullif($13, ''), "
                    "jobs_quarantined = $14 WHERE run_id = $1",
                    run_id, status, summary.failed, summary.skipped, t.pages, t.requests, t.jobs,
                    t.inserted, t.updated, t.unchanged, t.refused, t.warnings,
                    sanitize_text(errors, TextForm::lines, kRunErrorsBytes), t.quarantined);
    txn.commit();
}

// The run's own connection idles while the workers run: if it was lost
// meanwhile, reconnect once rather than leave the run marked 'running'.
void record_run_end(DbSession& db, long long run_id, const SyncSummary& summary,
                    const std::string& errors)
{
    try {
        finish_run_record(db.conn(), run_id, summary, errors);
    } catch (const pqxx::failure& e) {
        if (classify_db_error(e) == DbFault::none) {
            throw;
        }
        db.reconnect();
        finish_run_record(db.conn(), run_id, summary, errors);
    }
}

HttpOptions http_options(const SyncConfig& sync)
{
    return {sync.connect_timeout_seconds, sync.request_timeout_seconds, sync.max_response_bytes};
}

RetryPolicy retry_policy(const SyncConfig& sync)
{
    RetryPolicy policy;
    policy.max_attempts = sync.max_attempts;
    policy.max_total_seconds = sync.retry_max_seconds;
    return policy;
}

// Shared between the workers of one run.
struct RunState {
    explicit RunState(double max_requests_per_second) : limiter(max_requests_per_second) {}
    std::vector<Partition> partitions;
    RateLimiter limiter; // one per run: the service throttles per account
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    SyncSummary summary;
    std::string errors;
    std::string fatal; // a RunError from a worker: the run stops
};

void run_worker(const Config& config, const SyncOptions& options, RunState& state,
                const std::atomic<bool>* stop_flag)
{
    try {
        DbSession db(config.database);
        std::map<const SourceConfig*, std::unique_ptr<CiClient>> clients;
        for (;;) {
            const std::size_t index = state.next++;
            if (index >= state.partitions.size() || (stop_flag != nullptr && stop_flag->load())) {
                return;
            }
            {
                const std::lock_guard<std::mutex> lock(state.mutex);
                if (!state.fatal.empty()) {
                    return;
                }
            }
            const Partition& partition = state.partitions[index];
            auto& client = clients[partition.source];
            if (!client) {
                client = std::make_unique<CiClient>(*partition.source, http_options(config.sync),
                                                    retry_policy(config.sync));
                client->set_abort_flag(stop_flag);
                client->set_rate_limiter(&state.limiter);
            }
            PartitionWalker walker(db, *client, config.sync,
                                   {config.database.schema, options.wait_lock_seconds}, stop_flag);
            const PartitionOutcome outcome = walker.sync(partition);
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
    } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(state.mutex);
        if (state.fatal.empty()) {
            state.fatal = e.what();
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

    RunState state(config.sync.max_requests_per_second);
    HttpQueueLister lister(http_options(config.sync));
    std::vector<std::string> discovery_errors;
    state.partitions = expand_partitions(config, lister, discovery_errors);
    for (const std::string& error : discovery_errors) {
        ++state.summary.failed;
        state.errors += (state.errors.empty() ? "" : "\n") + error;
        log_error("queue discovery failed", {{"error", error}});
    }
    state.summary.partitions = static_cast<int>(state.partitions.size());
    const long long run_id = start_run_record(db.conn(), state.summary.partitions);

    const int workers =
        std::max(1, std::min<int>(options.concurrency, static_cast<int>(state.partitions.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) {
        threads.emplace_back(run_worker, std::cref(config), std::cref(options), std::ref(state),
                             stop_flag);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    if (stop_flag != nullptr && stop_flag->load()) {
        state.summary.interrupted = true;
    }
    state.summary.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!state.fatal.empty()) {
        state.errors += (state.errors.empty() ? "" : "\n") + state.fatal;
        ++state.summary.failed;
    }
    try {
        record_run_end(db, run_id, state.summary, state.errors);
    } catch (const std::exception& e) {
        log_error("could not record the run", {{"error", e.what()}});
    }
    if (!state.fatal.empty()) {
        throw RunError(state.fatal);
    }
    return state.summary;
}

} // namespace jobsync
