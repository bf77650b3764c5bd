#include "jobsync/partition_walker.hpp"

#include "jobsync/checkpoint_store.hpp"
#include "jobsync/errors.hpp"
#include "jobsync/logger.hpp"

#include <algorithm>
#include <set>

namespace jobsync {

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

PartitionWalker::PartitionWalker(pqxx::connection& conn, CiClient& client, const SyncConfig& sync,
                                 WalkOptions options, const std::atomic<bool>* stop_flag)
    : conn_(conn), client_(client), sync_(sync), options_(std::move(options)),
      stop_flag_(stop_flag)
{
}

PartitionOutcome PartitionWalker::sync(const Partition& partition)
{
    checkpoint_store::ensure_row(conn_, partition);
    PartitionLock lock(conn_, options_.schema, partition);
    const bool locked = options_.wait_lock_seconds > 0
                            ? lock.acquire_within(options_.wait_lock_seconds)
                            : lock.try_acquire();
    if (!locked) {
        log_info("partition is being synced by another process; skipped",
                 {{"partition", partition.label()}});
        return {PartitionStatus::skipped, {}, ""};
    }
    const RequestCounters before = client_.counters();
    PartitionOutcome outcome;
    try {
        outcome = walk(partition);
    } catch (const PartitionError& e) {
        outcome.status = PartitionStatus::failed;
        outcome.error = e.what();
    } catch (const pqxx::broken_connection&) {
        throw; // the run's connection is gone: the caller decides
    } catch (const pqxx::sql_error& e) {
        outcome.status = PartitionStatus::failed;
        outcome.error = std::string("database error: ") + e.what();
    } catch (const RunError& e) {
        if (!stopping()) {
            throw;
        }
        outcome.status = PartitionStatus::interrupted;
        outcome.error = e.what();
    }
    outcome.stats.requests = client_.counters().requests - before.requests;
    outcome.stats.retries = client_.counters().retries - before.retries;
    if (outcome.status == PartitionStatus::failed) {
        checkpoint_store::record_failure(conn_, partition, outcome.error);
        log_error("partition failed; its checkpoint stays where it was",
                  {{"partition", partition.label()}, {"error", outcome.error}});
    } else if (outcome.status == PartitionStatus::interrupted) {
        checkpoint_store::record_failure(conn_, partition, "interrupted");
    }
    return outcome;
}

// Freezes the window of a new walk: from the cursor minus the lookback (or
// the oldest unfinished job within the refresh horizon, if older) to now
// minus the settle delay.
void PartitionWalker::prepare_walk(const Partition& partition)
{
    const UnixSeconds now = now_unix_seconds();
    pqxx::work txn(conn_);
    const Checkpoint checkpoint = checkpoint_store::load(txn, partition);
    std::optional<UnixSeconds> start = partition.source->start_time;
    if (checkpoint.cursor) {
        start = *checkpoint.cursor - sync_.lookback_seconds;
    }
    const UnixSeconds horizon_start = now - sync_.refresh_horizon_seconds;
    const auto unfinished = checkpoint_store::oldest_unfinished(txn, partition, horizon_start);
    if (unfinished && (!start || *unfinished - 1 < *start)) {
        start = *unfinished - 1; // bounds may be exclusive: start a second early
    }
    if (partition.source->start_time && start && *start < *partition.source->start_time) {
        start = partition.source->start_time;
    }
    const UnixSeconds end = now - sync_.settle_delay_seconds;
    checkpoint_store::begin_walk(txn, partition, start, std::max(end, start.value_or(end)));
    txn.commit();
}

PartitionOutcome PartitionWalker::walk(const Partition& partition)
{
    PartitionOutcome outcome;
    PartitionStats& stats = outcome.stats;
    Checkpoint checkpoint;
    {
        pqxx::work txn(conn_);
        checkpoint = checkpoint_store::load(txn, partition);
    }
    if (checkpoint.walk_in_progress()) {
        const bool token_too_old = !checkpoint.next_token.empty() && checkpoint.token_issued_at &&
                                   now_unix_seconds() - *checkpoint.token_issued_at >
                                       sync_.token_max_age_seconds;
        if (token_too_old) {
            pqxx::work txn(conn_);
            checkpoint_store::restart_walk(txn, partition,
                                           checkpoint.last_creation_time
                                               ? std::optional(*checkpoint.last_creation_time - 1)
                                               : checkpoint.window_start);
            txn.commit();
        }
        log_info("resuming an interrupted walk", {{"partition", partition.label()},
                                                  {"pages_done", std::to_string(checkpoint.pages)}});
    } else {
        prepare_walk(partition);
    }

    std::set<std::string> seen_tokens;
    bool token_retry_used = false;
    for (;;) {
        if (stopping()) {
            outcome.status = PartitionStatus::interrupted;
            outcome.error = "interrupted";
            return outcome;
        }
        {
            pqxx::work txn(conn_);
            checkpoint = checkpoint_store::load(txn, partition);
        }
        ListJobsQuery query;
        query.tag = partition.tag;
        query.queue_id = partition.queue_id;
        query.start_creation_time = checkpoint.window_start;
        query.end_creation_time = checkpoint.window_end;
        query.size = sync_.page_size;
        query.next_token = checkpoint.next_token;

        JobsPage page;
        try {
            page = client_.list_jobs(query);
        } catch (const PartitionError& e) {
            // A rejected continuation token (expired, 4xx): restart from the
            // last committed creation time minus one second, once per walk.
            const long status = e.details().http_status;
            if (query.next_token.empty() || token_retry_used || status < 400 || status >= 500 ||
                status == 403) {
                throw;
            }
            token_retry_used = true;
            log_warn("continuation token rejected; restarting the walk from the last committed job",
                     {{"partition", partition.label()}, {"error", e.what()}});
            pqxx::work txn(conn_);
            checkpoint_store::restart_walk(txn, partition,
                                           checkpoint.last_creation_time
                                               ? std::optional(*checkpoint.last_creation_time - 1)
                                               : checkpoint.window_start);
            txn.commit();
            continue;
        }
        for (const std::string& warning : page.warnings) {
            log_warn("job field did not parse; stored as NULL",
                     {{"partition", partition.label()}, {"detail", warning}});
        }

        std::optional<UnixSeconds> newest;
        for (const JobRecord& job : page.jobs) {
            newest = std::max(newest.value_or(job.creation_time), job.creation_time);
        }
        const bool token_repeats = !page.next_token.empty() && !seen_tokens.insert(page.next_token).second;
        const bool last_page = page.next_token.empty() || page.jobs.empty() || token_repeats;
        {
            pqxx::work txn(conn_);
            const PageWriteResult written = store_.write_page(txn, partition.bucket(), page.jobs);
            checkpoint_store::record_page(txn, partition, last_page ? "" : page.next_token, newest,
                                          static_cast<long>(page.jobs.size()));
            if (last_page) {
                checkpoint_store::complete_walk(txn, partition);
            }
            txn.commit();
            stats.pages += 1;
            stats.jobs += static_cast<long>(page.jobs.size()) - written.duplicates;
            stats.inserted += written.inserted;
            stats.updated += written.updated;
            stats.unchanged += written.unchanged;
            stats.refused += written.refused;
            stats.duplicates += written.duplicates;
            stats.warnings += static_cast<long>(page.warnings.size());
        }
        log_debug("page committed", {{"partition", partition.label()},
                                     {"jobs", std::to_string(page.jobs.size())},
                                     {"next_token", page.next_token}});
        if (token_repeats) {
            log_warn("the service repeated a continuation token; treating it as the last page",
                     {{"partition", partition.label()}});
        }
        if (last_page) {
            break;
        }
    }

    pqxx::work txn(conn_);
    const Checkpoint done = checkpoint_store::load(txn, partition);
    const UnixSeconds now = now_unix_seconds();
    stats.stale_unfinished =
        checkpoint_store::count_stale_unfinished(txn, partition, now - sync_.refresh_horizon_seconds);
    stats.lag_seconds = done.cursor ? now - *done.cursor : -1;
    if (stats.stale_unfinished > 0) {
        log_warn("unfinished jobs older than the refresh horizon are no longer refreshed",
                 {{"partition", partition.label()},
                  {"stale_unfinished", std::to_string(stats.stale_unfinished)}});
    }
    return outcome;
}

} // namespace jobsync
