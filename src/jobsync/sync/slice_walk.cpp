#include "jobsync/sync/slice_walk.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/refresh_store.hpp"
#include "jobsync/db/time_param.hpp"
#include "jobsync/sync/listing_kinds.hpp"
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

namespace {

long items_of(const JobsPage& page)
{
    return static_cast<long>(page.jobs.size());
}

template <typename Record> long items_of(const ListingPage<Record>& page)
{
    return static_cast<long>(page.records.size());
}

} // namespace

// Commits each page of the slice, whatever the kind: the claim first, the
// kind's writer, the slice's row; the plan's close with its last page.
template <typename Page> class SliceWalk::PageCommitter : public ListingSink<Page> {
public:
    PageCommitter(SliceWalk& walk, PartitionStats& stats, PageWriter<Page>& writer)
        : walk_(walk), stats_(stats), writer_(writer)
    {
    }

    void on_page(const Page& page, bool last_page) override
    {
        const UnitContext& context = walk_.context_;
        const UnitKey& unit = walk_.unit_;
        const std::string next_token = last_page ? "" : page.next_token;
        const std::optional<UnixSeconds> newest = newest_creation_time(page);
        const long items = items_of(page);
        pqxx::work txn(context.db.conn());
        // First: while the claim row is locked here, no one can take it over.
        if (!walk_.fence(txn)) {
            throw ClaimLost{};
        }
        const PageWriteResult written = writer_.write(txn, page);
        if (!plan_store::record_page(txn, walk_.claim(), next_token, newest, items)) {
            throw ClaimLost{};
        }
        const bool closed = last_page && plan_store::complete_slice(txn, unit.plan_id, unit.slice);
        txn.commit();
        if (ProgressBoard* board = ProgressBoard::current()) {
            board->page_committed(walk_.partition_.label(), items, newest);
        }
        writer_.committed(page, written, stats_);
        if (last_page && walk_.split_) {
            stats_.slices += 1; // time slices of a split window, as sync_runs.slices counts
        }
        if (closed) {
            walk_.closed_ = true;
            walk_.after_close(stats_);
        }
        stall_for_tests(context.stop_flag);
    }

    void on_restart(std::optional<UnixSeconds> start) override { walk_.restart_from(start); }

private:
    SliceWalk& walk_;
    PartitionStats& stats_;
    PageWriter<Page>& writer_;
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
    if (first_page) {
        return commit_first_page(first_page, stats) || walk_from_row(first_page, stats);
    }
    PagePosition position{row->window.start, row->window.end, row->next_token,
                          row->last_creation_time};
    if (token_too_old(row->next_token, row->token_issued_at, context_.sync.token_max_age_seconds)) {
        log_info("stored continuation token is older than sync.token_max_age; restarting the "
                 "walk from the last committed job",
                 {{"partition", partition_.label()}, {"slice", std::to_string(unit_.slice)}});
        position.start = position.restart_start();
        position.next_token.clear();
        restart_from(position.start);
    }
    if (row->pages > 0) {
        log_info("resuming an interrupted walk", {{"partition", partition_.label()},
                                                  {"slice", std::to_string(unit_.slice)},
                                                  {"pages_done", std::to_string(row->pages)}});
    }
    return walk_kind(position, stats);
}

bool SliceWalk::commit_first_page(std::optional<JobsPage>& first_page, PartitionStats& stats)
{
    JobPageWriter writer(store_, partition_);
    PageCommitter<JobsPage> committer(*this, stats, writer);
    // The planner's probe page: the slice's first, committed as such.
    JobsPage page = std::move(*first_page);
    first_page.reset();
    const bool last = ends_walk(page);
    committer.on_page(page, last);
    context_.client.recycle(std::move(page));
    return last;
}

bool SliceWalk::walk_kind(const PagePosition& position, PartitionStats& stats)
{
    const std::atomic<bool>* stop = context_.stop_flag;
    const int page_size = context_.sync.page_size;
    switch (partition_.kind) {
    case PartitionKind::workflow_runs: {
        RunPages pages(context_.client, partition_, page_size);
        RunPageWriter writer(
            context_.client, context_.db.conn(), partition_,
            [this](pqxx::work& txn) { return fence(txn); }, stop);
        PageCommitter<WorkflowRunPage> committer(*this, stats, writer);
        const bool walked = walk_listing(pages, partition_.label(), position, stop, committer);
        if (writer.lost()) {
            throw ClaimLost{};
        }
        return walked;
    }
    case PartitionKind::batch_jobs: {
        BatchJobPages pages(context_.client, page_size);
        BatchJobPageWriter writer(partition_);
        PageCommitter<BatchJobPage> committer(*this, stats, writer);
        return walk_listing(pages, partition_.label(), position, stop, committer);
    }
    case PartitionKind::jobs:
        break;
    }
    JobPageWriter writer(store_, partition_);
    PageCommitter<JobsPage> committer(*this, stats, writer);
    return walk_pages(context_.client, partition_, page_size, position, stop, committer);
}

bool SliceWalk::fence(pqxx::work& txn) const
{
    return unit_store::hold(txn, context_.holder, unit_);
}

void SliceWalk::restart_from(std::optional<UnixSeconds> start)
{
    pqxx::work txn(context_.db.conn());
    if (!fence(txn) || !plan_store::restart_slice(txn, claim(), start)) {
        throw ClaimLost{};
    }
    txn.commit();
}

void SliceWalk::after_close(PartitionStats& stats)
{
    if (ProgressBoard* board = ProgressBoard::current()) {
        board->finish_walk(partition_.label());
    }
    pqxx::work txn(context_.db.conn());
    const UnixSeconds now = database_now(txn);
    stats.lag_seconds = window_end_ ? now - *window_end_ : -1;
    if (partition_.kind != PartitionKind::jobs) {
        txn.commit();
        return; // the figures below count jobs
    }
    const UnixSeconds horizon_start = now - context_.sync.refresh_horizon_seconds;
    stats.stale_unfinished =
        checkpoint_store::count_stale_unfinished(txn, partition_, horizon_start);
    stats.unfinished = refresh_store::record_unfinished(txn, partition_, horizon_start);
    txn.commit();
    if (stats.stale_unfinished > 0) {
        log_warn("unfinished jobs older than the refresh horizon are no longer refreshed",
                 {{"partition", partition_.label()},
                  {"stale_unfinished", std::to_string(stats.stale_unfinished)}});
    }
}

} // namespace jobsync
