#include "jobsync/sync/partition_walker.hpp"

#include "jobsync/db/refresh_store.hpp"
#include "jobsync/db/slice_store.hpp"
#include "jobsync/sync/id_refresh.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/time_param.hpp"
#include "jobsync/sync/page_commit.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/slice_plan.hpp"
#include "jobsync/sync/slice_pool.hpp"
#include "jobsync/sync/slice_probe.hpp"
#include "jobsync/sync/walk_attempt.hpp"

#include <algorithm>

namespace jobsync {
namespace {

// The walk in progress as the page walk sees it.
PagePosition position_of(const Checkpoint& checkpoint)
{
    return {checkpoint.window_start, checkpoint.window_end, checkpoint.next_token,
            checkpoint.last_creation_time};
}

} // namespace

class PartitionWalker::PageCommitter : public PageSink {
public:
    PageCommitter(PartitionWalker& walker, const Partition& partition, PartitionStats& stats)
        : walker_(walker), partition_(partition), stats_(stats)
    {
    }
    void on_page(const JobsPage& page, bool last_page) override
    {
        walker_.commit_page(partition_, page, last_page, stats_);
    }
    void on_restart(std::optional<UnixSeconds> start) override
    {
        walker_.restart_walk(partition_, start);
    }

private:
    PartitionWalker& walker_;
    const Partition& partition_;
    PartitionStats& stats_;
};

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
    refreshed_by_id += other.refreshed_by_id;
    requests_by_id += other.requests_by_id;
    vanished += other.vanished;
    unfinished += other.unfinished;
    warnings += other.warnings;
    stale_unfinished += other.stale_unfinished;
    lag_seconds = std::max(lag_seconds, other.lag_seconds);
    slices += other.slices;
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
    // A redo starts from the stored checkpoint: at most the page in flight
    // is repeated.
    const WalkEnd end =
        attempt_walk(db_, {"syncing partition " + partition.label(), "", stop_flag_}, outcome.stats,
                     [&] { return lock_and_walk(partition, outcome.stats); });
    outcome.status = end.status;
    outcome.error = end.error;
    // Added to what the slices' own clients sent.
    outcome.stats.requests += client_.counters().requests - before.requests;
    outcome.stats.retries += client_.counters().retries - before.retries;
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
// start_time), both included, to the database's now minus the settle delay.
// The API's bounds are exclusive, so `start` is the second before the first
// one walked. Unfinished jobs older than that (inside the refresh horizon) are
// refreshed first, by whichever costs fewer requests: the window opens at the
// oldest of them, or they are fetched by id. Refreshing by id moves no
// checkpoint: a kill during it repeats it on the next run.
void PartitionWalker::prepare_walk(const Partition& partition, PartitionStats& stats)
{
    const std::optional<UnixSeconds> earliest =
        partition.source->start_time ? std::optional(*partition.source->start_time - 1)
                                     : std::nullopt;
    std::optional<UnixSeconds> start = earliest;
    if (checkpoint_.cursor) {
        start = *checkpoint_.cursor - sync_.lookback_seconds - 1;
    }
    RefreshMode mode = RefreshMode::none;
    std::string refresh_note;
    if (start) {
        start = refresh_older_unfinished(partition, *start, mode, refresh_note, stats);
    }
    if (earliest && start && *start < *earliest) {
        start = earliest;
    }
    pqxx::work txn(conn());
    // The fleet shares the cursor, so not a worker's own clock: one running
    // ahead would move the cursor past jobs not yet listed.
    const UnixSeconds settled = database_now(txn) - sync_.settle_delay_seconds;
    const UnixSeconds end = std::max(settled, start.value_or(settled));
    checkpoint_store::begin_walk(txn, partition, start, end);
    slice_store::delete_plan(txn, partition); // a new window, never an old window's slices
    refresh_store::record_refresh_mode(txn, partition, mode, refresh_note);
    txn.commit();
    Checkpoint walk;
    walk.cursor = checkpoint_.cursor;
    walk.window_start = start;
    walk.window_end = end;
    checkpoint_ = walk;
}

std::optional<UnixSeconds> PartitionWalker::refresh_older_unfinished(const Partition& partition,
                                                                     UnixSeconds start,
                                                                     RefreshMode& mode,
                                                                     std::string& note,
                                                                     PartitionStats& stats)
{
    const UnixSeconds horizon_start = now_unix_seconds() - sync_.refresh_horizon_seconds;
    const OlderRefresh refreshed = refresh_before_walk(conn(), client_, store_, partition, start,
                                                       horizon_start, sync_.page_size, stop_flag_);
    mode = refreshed.mode;
    note = refreshed.note;
    const IdRefreshResult& by_id = refreshed.by_id;
    stats.refreshed_by_id += by_id.jobs;
    stats.requests_by_id += by_id.requests;
    stats.vanished += by_id.vanished;
    stats.jobs += by_id.jobs - by_id.written.duplicates;
    add_written(stats, by_id.written);
    if (by_id.vanished > 0) {
        log_warn("jobs the service no longer knows keep their rows, marked vanished_at",
                 {{"partition", partition.label()}, {"vanished", std::to_string(by_id.vanished)}});
    }
    if (refreshed.reappeared > 0) {
        log_info("vanished jobs the service knows again are refreshed and no longer vanished",
                 {{"partition", partition.label()},
                  {"reappeared", std::to_string(refreshed.reappeared)}});
    }
    return refreshed.start;
}

void PartitionWalker::restart_walk(const Partition& partition, std::optional<UnixSeconds> start)
{
    pqxx::work txn(conn());
    checkpoint_store::restart_walk(txn, partition, start);
    txn.commit();
    checkpoint_.window_start = start;
    checkpoint_.next_token.clear();
    checkpoint_.token_issued_at.reset();
}

void PartitionWalker::start_or_resume(const Partition& partition, PartitionStats& stats)
{
    {
        pqxx::work txn(conn());
        checkpoint_ = checkpoint_store::load(txn, partition);
    }
    if (!checkpoint_.walk_in_progress()) {
        prepare_walk(partition, stats);
        return;
    }
    if (token_too_old(checkpoint_.next_token, checkpoint_.token_issued_at,
                      sync_.token_max_age_seconds)) {
        log_info("stored continuation token is older than sync.token_max_age; restarting the "
                 "walk from the last committed job",
                 {{"partition", partition.label()}});
        restart_walk(partition, position_of(checkpoint_).restart_start());
    }
    log_info("resuming an interrupted walk",
             {{"partition", partition.label()}, {"pages_done", std::to_string(checkpoint_.pages)}});
}

PartitionStatus PartitionWalker::walk(const Partition& partition, PartitionStats& stats)
{
    start_or_resume(partition, stats);
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->start_walk(partition.label(), checkpoint_.window_start,
                          checkpoint_.window_end.value_or(0));
    }
    if (options_.slices != nullptr) {
        if (slice_if_dense(partition, stats)) {
            return walk_planned_slices(partition, stats);
        }
        if (!checkpoint_.walk_in_progress()) { // the probe page was the whole window
            finish_walk(partition, stats);
            return PartitionStatus::ok;
        }
    }
    PageCommitter committer(*this, partition, stats);
    if (!walk_pages(client_, partition, sync_.page_size, position_of(checkpoint_), stop_flag_,
                    committer)) {
        return PartitionStatus::interrupted;
    }
    finish_walk(partition, stats);
    return PartitionStatus::ok;
}

bool PartitionWalker::slice_if_dense(const Partition& partition, PartitionStats& stats)
{
    {
        pqxx::read_transaction txn(conn());
        if (!slice_store::load_plan(txn, partition).empty()) {
            return true;
        }
    }
    const bool fresh =
        checkpoint_.pages == 0 && checkpoint_.next_token.empty() && !checkpoint_.last_creation_time;
    if (!fresh || sync_.concurrency < 2) {
        return false;
    }
    // Slices enough for every live worker's threads: the others claim theirs.
    RoundClaims& claims = *options_.slices->claims;
    const long workers = claims.live_workers(conn());
    // While whole partitions are left for every thread of the fleet, slicing
    // this one would only add probes and claims: the threads are busy anyway.
    // The last partitions of a round are sliced, so its tail is shared out.
    if (claims.partitions_todo(conn()) >= workers * sync_.concurrency) {
        return false;
    }
    WindowProbe probe = probe_window(
        client_, partition, sync_.page_size,
        static_cast<int>(sync_.concurrency * workers) * kSlicesPerThread, position_of(checkpoint_));
    if (probe.slices.empty()) {
        const JobsPage& page = probe.first_page;
        commit_page(partition, page, ends_walk(page), stats);
        client_.recycle(std::move(probe.first_page));
        return false;
    }
    // The probe page is not kept: slice 0 reads it again as its first page.
    pqxx::work txn(conn());
    slice_store::create_plan(txn, partition, probe.slices);
    txn.commit();
    log_info("window split into time slices",
             {{"partition", partition.label()}, {"slices", std::to_string(probe.slices.size())}});
    return true;
}

PartitionStatus PartitionWalker::walk_planned_slices(const Partition& partition,
                                                     PartitionStats& stats)
{
    std::vector<int> unfinished;
    {
        pqxx::read_transaction txn(conn());
        for (const SliceCheckpoint& slice : slice_store::load_plan(txn, partition)) {
            if (!slice.done) {
                unfinished.push_back(slice.slice);
            }
        }
    }
    if (!unfinished.empty()) {
        log_info("walking time slices", {{"partition", partition.label()},
                                         {"unfinished_slices", std::to_string(unfinished.size())}});
    }
    // Each slice is claimed in the round: other workers walk some of them.
    options_.slices->claims->offer_slices(conn(), partition, unfinished);
    SliceTurn planner;
    planner.unfinished = static_cast<int>(unfinished.size());
    planner.wait_for_others = true; // the cursor moves here, once every slice is done
    const SlicePoolResult walked =
        walk_slices(*options_.slices, sync_, partition, planner, stop_flag_);
    stats += walked.stats;
    if (!walked.error.empty()) {
        throw PartitionError(walked.error);
    }
    const std::vector<int> failed = options_.slices->claims->failed_slices(conn(), partition);
    if (!failed.empty()) {
        std::string which;
        for (const int slice : failed) {
            which += (which.empty() ? "" : ", ") + std::to_string(slice);
        }
        throw PartitionError("time slices " + which +
                             " failed in another worker's walk (see its run's errors)");
    }
    pqxx::work txn(conn());
    for (const SliceCheckpoint& slice : slice_store::load_plan(txn, partition)) {
        if (!slice.done) {
            return PartitionStatus::interrupted; // stopped before this slice's end
        }
    }
    slice_store::delete_plan(txn, partition);
    checkpoint_store::complete_walk(txn, partition);
    txn.commit();
    checkpoint_.cursor = checkpoint_.window_end;
    checkpoint_.window_start = checkpoint_.window_end = std::nullopt;
    finish_walk(partition, stats);
    return PartitionStatus::ok;
}

// The page's jobs and the checkpoint in one transaction: a crash at any
// instant either keeps both or neither.
void PartitionWalker::commit_page(const Partition& partition, const JobsPage& page, bool last_page,
                                  PartitionStats& stats)
{
    const std::optional<UnixSeconds> newest = newest_creation_time(page);
    const std::string next_token = last_page ? "" : page.next_token;
    const long jobs = static_cast<long>(page.jobs.size());
    pqxx::work txn(conn());
    const PageWriteResult written = write_walked_page(txn, store_, partition, page);
    checkpoint_store::record_page(txn, partition, next_token, newest, jobs);
    if (last_page) {
        checkpoint_store::complete_walk(txn, partition);
    }
    txn.commit();
    // Mirrors record_page and complete_walk: the walk needs no read per page.
    checkpoint_.next_token = next_token;
    checkpoint_.token_issued_at =
        next_token.empty() ? std::nullopt : std::optional(now_unix_seconds());
    if (newest) {
        checkpoint_.last_creation_time =
            std::max(checkpoint_.last_creation_time.value_or(*newest), *newest);
    }
    checkpoint_.pages += 1;
    checkpoint_.jobs += jobs;
    if (last_page) {
        checkpoint_.cursor = checkpoint_.window_end;
        checkpoint_.window_start = checkpoint_.window_end = std::nullopt;
        checkpoint_.last_creation_time.reset();
    }
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->page_committed(partition.label(), jobs, newest);
    }
    count_committed_page(stats, page, written);
    log_debug("page committed", {{"partition", partition.label()}, {"jobs", std::to_string(jobs)}});
}

void PartitionWalker::finish_walk(const Partition& partition, PartitionStats& stats)
{
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->finish_walk(partition.label());
    }
    pqxx::work txn(conn());
    const UnixSeconds now = database_now(txn);
    stats.stale_unfinished = checkpoint_store::count_stale_unfinished(
        txn, partition, now - sync_.refresh_horizon_seconds);
    stats.unfinished =
        refresh_store::record_unfinished(txn, partition, now - sync_.refresh_horizon_seconds);
    txn.commit();
    stats.lag_seconds = checkpoint_.cursor ? now - *checkpoint_.cursor : -1;
    if (stats.stale_unfinished > 0) {
        log_warn("unfinished jobs older than the refresh horizon are no longer refreshed",
                 {{"partition", partition.label()},
                  {"stale_unfinished", std::to_string(stats.stale_unfinished)}});
    }
}

} // namespace jobsync
