#include "jobsync/sync/partition_walker.hpp"

#include "jobsync/api/page_prefetcher.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/drift_store.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/window_pages.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

namespace jobsync {
namespace {

// Consecutive database faults tolerated for one partition before giving up;
// the counts reset whenever a page commits.
constexpr int kMaxConnectionLosses = 5;
constexpr int kMaxConflicts = 5;

std::optional<UnixSeconds> restart_point(const Checkpoint& checkpoint)
{
    // Creation-time bounds are exclusive, so one second early re-reads the
    // jobs sharing the last committed second: never skipping ahead.
    return checkpoint.last_creation_time ? std::optional(*checkpoint.last_creation_time - 1)
                                         : checkpoint.window_start;
}

} // namespace

PartitionStats& PartitionStats::operator+=(const PartitionStats& other)
{
    pages += other.pages;
    requests += other.requests;
    retries += other.retries;
    jobs += other.jobs;
    inserted += other.inserted;
    updated += other.updated;
    unchanged += other.unchanged;
    refused += other.refused;
    duplicates += other.duplicates;
    quarantined += other.quarantined;
    warnings += other.warnings;
    stale_unfinished += other.stale_unfinished;
    lag_seconds = std::max(lag_seconds, other.lag_seconds);
    return *this;
}

const char* to_string(PartitionStatus status)
{
    switch (status) {
    case PartitionStatus::ok:
        return "ok";
    case PartitionStatus::failed:
        return "failed";
    case PartitionStatus::skipped:
        return "skipped";
    case PartitionStatus::interrupted:
        return "interrupted";
    }
    return "unknown";
}

PartitionWalker::PartitionWalker(DbSession& db, CiClient& client, const SyncConfig& sync,
                                 WalkOptions options, const std::atomic<bool>* stop_flag)
    : db_(db), client_(client), sync_(sync), options_(std::move(options)), stop_flag_(stop_flag)
{
}

PartitionOutcome PartitionWalker::sync(const Partition& partition)
{
    const RequestCounters before = client_.counters();
    PartitionOutcome outcome;
    int connection_losses = 0;
    int conflicts = 0;
    for (;;) {
        const long pages_before = outcome.stats.pages;
        try {
            outcome.status = lock_and_walk(partition, outcome.stats);
            if (outcome.status == PartitionStatus::interrupted) {
                outcome.error = "interrupted";
            }
            break;
        } catch (const PartitionError& e) {
            outcome.status = PartitionStatus::failed;
            outcome.error = e.what();
            break;
        } catch (const RunError& e) {
            if (!stopping()) {
                throw;
            }
            outcome.status = PartitionStatus::interrupted;
            outcome.error = "interrupted";
            break;
        } catch (const pqxx::failure& e) {
            if (outcome.stats.pages > pages_before) {
                connection_losses = conflicts = 0;
            }
            const DbFault fault = classify_db_error(e);
            if (fault == DbFault::connection_lost && ++connection_losses <= kMaxConnectionLosses &&
                !stopping()) {
                log_warn("lost the database connection; reconnecting and redoing the page",
                         {{"partition", partition.label()}, {"error", e.what()}});
                db_.reconnect();
                continue;
            }
            if (fault == DbFault::conflict && ++conflicts <= kMaxConflicts) {
                log_warn("transaction rolled back by the server; redoing the page",
                         {{"partition", partition.label()}, {"error", e.what()}});
                std::this_thread::sleep_for(std::chrono::milliseconds(50 * conflicts));
                continue;
            }
            if (fault == DbFault::connection_lost) {
                throw RunError(std::string("lost the database connection: ") + e.what());
            }
            outcome.status = PartitionStatus::failed;
            outcome.error = std::string("database error: ") + e.what();
            break;
        }
    }
    outcome.stats.requests = client_.counters().requests - before.requests;
    outcome.stats.retries = client_.counters().retries - before.retries;
    record_outcome(partition, outcome);
    return outcome;
}

PartitionStatus PartitionWalker::lock_and_walk(const Partition& partition, PartitionStats& stats)
{
    checkpoint_store::ensure_row(conn(), partition);
    PartitionLock lock(conn(), options_.schema, partition);
    const bool locked = options_.wait_lock_seconds > 0
                            ? lock.acquire_within(options_.wait_lock_seconds, stop_flag_)
                            : lock.try_acquire();
    if (!locked && stopping()) {
        return PartitionStatus::interrupted;
    }
    if (!locked) {
        log_info("partition is being synced by another process; skipped",
                 {{"partition", partition.label()}});
        return PartitionStatus::skipped;
    }
    return walk(partition, stats);
}

void PartitionWalker::record_outcome(const Partition& partition, const PartitionOutcome& outcome)
{
    if (outcome.status != PartitionStatus::failed &&
        outcome.status != PartitionStatus::interrupted) {
        return;
    }
    if (outcome.status == PartitionStatus::failed) {
        log_error("partition failed; its checkpoint stays where it was",
                  {{"partition", partition.label()}, {"error", outcome.error}});
    }
    try {
        checkpoint_store::record_outcome(conn(), partition, to_string(outcome.status),
                                         outcome.error);
    } catch (const pqxx::failure& e) {
        log_error("could not record the partition's outcome",
                  {{"partition", partition.label()}, {"error", e.what()}});
    }
}

// Freezes the window of a new walk: from the cursor minus the lookback (or
// the oldest unfinished job within the refresh horizon, if older) to now
// minus the settle delay.
void PartitionWalker::prepare_walk(const Partition& partition)
{
    const UnixSeconds now = now_unix_seconds();
    pqxx::work txn(conn());
    const Checkpoint checkpoint = checkpoint_store::load(txn, partition);
    std::optional<UnixSeconds> start = partition.source->start_time;
    if (checkpoint.cursor) {
        start = *checkpoint.cursor - sync_.lookback_seconds;
    }
    const UnixSeconds horizon_start = now - sync_.refresh_horizon_seconds;
    const auto unfinished = checkpoint_store::oldest_unfinished(txn, partition, horizon_start);
    if (unfinished && (!start || *unfinished - 1 < *start)) {
        start = *unfinished - 1; // bounds are exclusive: start a second early
    }
    if (partition.source->start_time && start && *start < *partition.source->start_time) {
        start = partition.source->start_time;
    }
    const UnixSeconds end = now - sync_.settle_delay_seconds;
    checkpoint_store::begin_walk(txn, partition, start, std::max(end, start.value_or(end)));
    txn.commit();
}

void PartitionWalker::restart_from_last_committed(const Partition& partition,
                                                  const Checkpoint& checkpoint)
{
    pqxx::work txn(conn());
    checkpoint_store::restart_walk(txn, partition, restart_point(checkpoint));
    txn.commit();
}

void PartitionWalker::start_or_resume(const Partition& partition)
{
    Checkpoint checkpoint;
    {
        pqxx::work txn(conn());
        checkpoint = checkpoint_store::load(txn, partition);
    }
    if (!checkpoint.walk_in_progress()) {
        prepare_walk(partition);
        return;
    }
    const bool token_too_old =
        !checkpoint.next_token.empty() && checkpoint.token_issued_at &&
        now_unix_seconds() - *checkpoint.token_issued_at > sync_.token_max_age_seconds;
    if (token_too_old) {
        log_info("stored continuation token is older than sync.token_max_age; restarting the "
                 "walk from the last committed job",
                 {{"partition", partition.label()}});
        restart_from_last_committed(partition, checkpoint);
    }
    log_info("resuming an interrupted walk",
             {{"partition", partition.label()}, {"pages_done", std::to_string(checkpoint.pages)}});
}

PartitionStatus PartitionWalker::walk(const Partition& partition, PartitionStats& stats)
{
    start_or_resume(partition);
    if (ProgressBoard* board = ProgressBoard::current()) {
        pqxx::work txn(conn());
        const Checkpoint walk = checkpoint_store::load(txn, partition);
        board->start_walk(partition.label(), walk.window_start, walk.window_end.value_or(0));
    }
    std::set<std::string> seen_tokens;
    bool token_restart_allowed = true; // once until the next committed page
    PagePrefetcher prefetcher(client_);
    for (;;) {
        if (stopping()) {
            return PartitionStatus::interrupted;
        }
        Checkpoint checkpoint;
        {
            pqxx::work txn(conn());
            checkpoint = checkpoint_store::load(txn, partition);
        }
        ListJobsQuery query;
        query.tag = partition.tag;
        query.queue_id = partition.queue_id;
        query.queue_type = partition.source->queue_type;
        query.start_creation_time = checkpoint.window_start;
        query.end_creation_time = checkpoint.window_end;
        query.size = sync_.page_size;
        query.next_token = checkpoint.next_token;

        JobsPage page;
        try {
            page = prefetcher.fetch(query);
        } catch (const PartitionError& e) {
            if (query.next_token.empty() || !token_restart_allowed || !is_rejected_token(e)) {
                throw;
            }
            token_restart_allowed = false;
            log_warn("continuation token rejected; restarting the walk from the last committed job",
                     {{"partition", partition.label()}, {"error", e.what()}});
            restart_from_last_committed(partition, checkpoint);
            continue;
        }
        const bool token_repeats =
            !page.next_token.empty() && !seen_tokens.insert(page.next_token).second;
        const bool last_page = page.next_token.empty() || page.jobs.empty() || token_repeats;
        if (!last_page) {
            // Fetch page N+1 while page N is written; the checkpoint still
            // records N's token only after N commits.
            ListJobsQuery next = query;
            next.next_token = page.next_token;
            prefetcher.start(next);
        }
        commit_page(partition, page, last_page, stats);
        client_.recycle(std::move(page)); // page N+2 is received into its memory
        token_restart_allowed = true;
        if (token_repeats) {
            log_warn("the service repeated a continuation token; treating it as the last page",
                     {{"partition", partition.label()}});
        }
        if (last_page) {
            break;
        }
    }
    finish_walk(partition, stats);
    return PartitionStatus::ok;
}

// The page's jobs and the checkpoint in one transaction: a crash at any
// instant either keeps both or neither.
void PartitionWalker::commit_page(const Partition& partition, const JobsPage& page, bool last_page,
                                  PartitionStats& stats)
{
    for (const std::string& warning : page.warnings) {
        log_warn("job field did not parse; stored as NULL",
                 {{"partition", partition.label()}, {"detail", warning}});
    }
    std::optional<UnixSeconds> newest;
    for (const JobRecord& job : page.jobs) {
        newest = std::max(newest.value_or(job.creation_time), job.creation_time);
    }
    pqxx::work txn(conn());
    const PageWriteResult written = store_.write_page(txn, partition, page.jobs, page.rejected);
    record_drift(txn, partition.bucket(), page);
    checkpoint_store::record_page(txn, partition, last_page ? "" : page.next_token, newest,
                                  static_cast<long>(page.jobs.size()));
    if (last_page) {
        checkpoint_store::complete_walk(txn, partition);
    }
    txn.commit();
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->page_committed(partition.label(), static_cast<long>(page.jobs.size()), newest);
    }
    stats.pages += 1;
    stats.jobs += static_cast<long>(page.jobs.size()) - written.duplicates;
    stats.inserted += written.inserted;
    stats.updated += written.updated;
    stats.unchanged += written.unchanged;
    stats.refused += written.refused;
    stats.duplicates += written.duplicates;
    stats.quarantined += written.quarantined;
    stats.warnings += static_cast<long>(page.warnings.size());
    log_debug("page committed",
              {{"partition", partition.label()}, {"jobs", std::to_string(page.jobs.size())}});
}

void PartitionWalker::finish_walk(const Partition& partition, PartitionStats& stats)
{
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->finish_walk(partition.label());
    }
    pqxx::work txn(conn());
    const Checkpoint done = checkpoint_store::load(txn, partition);
    const UnixSeconds now = now_unix_seconds();
    stats.stale_unfinished = checkpoint_store::count_stale_unfinished(
        txn, partition, now - sync_.refresh_horizon_seconds);
    stats.lag_seconds = done.cursor ? now - *done.cursor : -1;
    if (stats.stale_unfinished > 0) {
        log_warn("unfinished jobs older than the refresh horizon are no longer refreshed",
                 {{"partition", partition.label()},
                  {"stale_unfinished", std::to_string(stats.stale_unfinished)}});
    }
}

} // namespace jobsync
