#include "jobsync/sync/slice_walk.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/refresh_store.hpp"
#include "jobsync/db/time_param.hpp"
#include "jobsync/sync/page_commit.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/walk_attempt.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace jobsync {
namespace {

// This worker no longer holds the unit: thrown out of the page transaction
// (which rolls back) and out of the walk.
struct ClaimLost {};

// Test hook (JOBSYNC_TEST_STALL_AFTER_PAGE_SECONDS): the first walk of the
// process to commit a page then stalls that long, as a thread blocked in a
// call would, while the process (and its heartbeat) lives on.
void stall_for_tests(const std::atomic<bool>* stop_flag)
{
    static std::atomic<bool> stalled{false};
    const char* seconds = std::getenv("JOBSYNC_TEST_STALL_AFTER_PAGE_SECONDS");
    if (seconds == nullptr || stalled.exchange(true)) {
        return;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::atol(seconds));
    while (std::chrono::steady_clock::now() < until &&
           (stop_flag == nullptr || !stop_flag->load())) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

} // namespace

class SliceWalk::PageCommitter : public PageSink {
public:
    PageCommitter(SliceWalk& walk, PartitionStats& stats) : walk_(walk), stats_(stats) {}

    void on_page(const JobsPage& page, bool last_page) override
    {
        const UnitContext& context = walk_.context_;
        const UnitKey& unit = walk_.unit_;
        const std::string next_token = last_page ? "" : page.next_token;
        const std::optional<UnixSeconds> newest = newest_creation_time(page);
        const long jobs = static_cast<long>(page.jobs.size());
        pqxx::work txn(context.db.conn());
        // First: while the claim row is locked here, no one can take it over.
        if (!unit_store::hold(txn, context.holder, unit)) {
            throw ClaimLost{};
        }
        const PageWriteResult written =
            write_walked_page(txn, walk_.store_, walk_.partition_, page);
        if (!plan_store::record_page(txn, walk_.claim(), next_token, newest, jobs)) {
            throw ClaimLost{};
        }
        const bool closed = last_page && plan_store::complete_slice(txn, unit.plan_id, unit.slice);
        txn.commit();
        if (ProgressBoard* board = ProgressBoard::current()) {
            board->page_committed(walk_.partition_.label(), jobs, newest);
        }
        count_committed_page(stats_, page, written);
        if (last_page && walk_.split_) {
            stats_.slices += 1; // time slices of a split window, as sync_runs.slices counts
        }
        if (closed) {
            walk_.closed_ = true;
            walk_.after_close(stats_);
        }
        stall_for_tests(context.stop_flag);
    }

    void on_restart(std::optional<UnixSeconds> start) override
    {
        const UnitContext& context = walk_.context_;
        pqxx::work txn(context.db.conn());
        if (!unit_store::hold(txn, context.holder, walk_.unit_) ||
            !plan_store::restart_slice(txn, walk_.claim(), start)) {
            throw ClaimLost{};
        }
        txn.commit();
    }

private:
    SliceWalk& walk_;
    PartitionStats& stats_;
};

SliceWalk::SliceWalk(UnitContext& context, const Partition& partition, const UnitKey& unit)
    : context_(context), partition_(partition), unit_(unit)
{
}

UnitOutcome SliceWalk::run(std::optional<JobsPage> first_page)
{
    const RequestCounters before = context_.client.counters();
    const std::string what =
        "partition " + partition_.label() + ", slice " + std::to_string(unit_.slice);
    UnitOutcome outcome;
    try {
        const WalkEnd end = attempt_walk(
            context_.db,
            {"syncing " + what, "slice " + std::to_string(unit_.slice) + ": ", context_.stop_flag},
            outcome.stats, [&] {
                return walk_from_row(first_page, outcome.stats) ? PartitionStatus::ok
                                                                : PartitionStatus::interrupted;
            });
        outcome.status = end.status;
        outcome.error = end.error;
    } catch (const ClaimLost&) {
        outcome.lost = true;
        log_warn("this worker no longer holds the time slice (its lease ran out and another "
                 "worker took it over); the page was rolled back and the walk stops here",
                 {{"partition", partition_.label()}, {"slice", std::to_string(unit_.slice)}});
    }
    outcome.closed = closed_;
    outcome.stats.requests = context_.client.counters().requests - before.requests;
    outcome.stats.retries = context_.client.counters().retries - before.retries;
    return outcome;
}

bool SliceWalk::walk_from_row(std::optional<JobsPage>& first_page, PartitionStats& stats)
{
    std::optional<SliceState> row;
    {
        pqxx::read_transaction txn(context_.db.conn());
        if (!unit_store::still_holds(txn, context_.holder, unit_)) {
            throw ClaimLost{}; // taken over while this walk was away
        }
        row = plan_store::load_slice(txn, unit_.plan_id, unit_.slice);
        if (const std::optional<Plan> plan = plan_store::find_plan(txn, partition_)) {
            window_end_ = plan->window.end;
            split_ = plan->slices > 1;
        }
    }
    if (!row || row->done) {
        // A plan is deleted only with its last page, so a slice whose plan is
        // gone is done (its walker died before ending its unit).
        return true;
    }
    PagePosition position{row->window.start, row->window.end, row->next_token,
                          row->last_creation_time};
    PageCommitter committer(*this, stats);
    if (first_page) {
        // The planner's probe page: the slice's first, committed as such.
        JobsPage page = std::move(*first_page);
        first_page.reset();
        const bool last = ends_walk(page);
        committer.on_page(page, last);
        context_.client.recycle(std::move(page));
        return last || walk_from_row(first_page, stats);
    }
    if (token_too_old(row->next_token, row->token_issued_at, context_.sync.token_max_age_seconds)) {
        log_info("stored continuation token is older than sync.token_max_age; restarting the "
                 "walk from the last committed job",
                 {{"partition", partition_.label()}, {"slice", std::to_string(unit_.slice)}});
        position.start = position.restart_start();
        position.next_token.clear();
        committer.on_restart(position.start);
    }
    if (row->pages > 0) {
        log_info("resuming an interrupted walk", {{"partition", partition_.label()},
                                                  {"slice", std::to_string(unit_.slice)},
                                                  {"pages_done", std::to_string(row->pages)}});
    }
    return walk_pages(context_.client, partition_, context_.sync.page_size, position,
                      context_.stop_flag, committer);
}

void SliceWalk::after_close(PartitionStats& stats)
{
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->finish_walk(partition_.label());
    }
    pqxx::work txn(context_.db.conn());
    const UnixSeconds now = database_now(txn);
    const UnixSeconds horizon_start = now - context_.sync.refresh_horizon_seconds;
    stats.stale_unfinished =
        checkpoint_store::count_stale_unfinished(txn, partition_, horizon_start);
    stats.unfinished = refresh_store::record_unfinished(txn, partition_, horizon_start);
    txn.commit();
    stats.lag_seconds = window_end_ ? now - *window_end_ : -1;
    if (stats.stale_unfinished > 0) {
        log_warn("unfinished jobs older than the refresh horizon are no longer refreshed",
                 {{"partition", partition_.label()},
                  {"stale_unfinished", std::to_string(stats.stale_unfinished)}});
    }
}

} // namespace jobsync
