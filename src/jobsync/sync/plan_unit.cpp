#include "jobsync/sync/plan_unit.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/plan_store.hpp"
#include "jobsync/db/refresh_store.hpp"
#include "jobsync/db/time_param.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "jobsync/sync/id_refresh.hpp"
#include "jobsync/sync/page_commit.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/run_details.hpp"
#include "jobsync/sync/slice_plan.hpp"
#include "jobsync/sync/slice_probe.hpp"
#include "jobsync/sync/walk_attempt.hpp"

#include <algorithm>

namespace jobsync {
namespace {

ClaimKey key_of(const Partition& partition)
{
    return {partition.bucket(), partition.tag, partition.queue_id};
}

} // namespace

PlanUnit::PlanUnit(UnitContext& context, const Partition& partition, const UnitKey& unit)
    : context_(context), partition_(partition), unit_(unit)
{
}

UnitOutcome PlanUnit::run()
{
    const RequestCounters before = context_.client.counters();
    UnitOutcome outcome;
    const WalkEnd end = attempt_walk(
        context_.db, {"planning partition " + partition_.label(), "", context_.stop_flag},
        outcome.stats, [&] {
            planned_ = Planned{};
            return plan(planned_, outcome.stats);
        });
    outcome.status = end.status;
    outcome.error = end.error;
    outcome.lost = planned_.lost;
    if (outcome.status != PartitionStatus::ok || outcome.lost) {
        planned_.walk_now.reset();
    }
    outcome.stats.requests = context_.client.counters().requests - before.requests;
    outcome.stats.retries = context_.client.counters().retries - before.retries;
    return outcome;
}

PartitionStatus PlanUnit::plan(Planned& planned, PartitionStats& stats)
{
    checkpoint_store::ensure_row(context_.db.conn(), partition_);
    // Keeps two plans of one partition apart across rounds and `--wait-lock`
    // callers; the units' claims keep the walks apart.
    PartitionLock lock(context_.db.conn(), context_.schema, partition_);
    const bool locked = context_.wait_lock_seconds > 0
                            ? lock.acquire_within(context_.wait_lock_seconds, context_.stop_flag)
                            : lock.try_acquire();
    if (!locked && context_.stopping()) {
        return PartitionStatus::interrupted;
    }
    if (!locked) {
        log_info("partition is being synced by another process; skipped",
                 {{"partition", partition_.label()}});
        return PartitionStatus::skipped;
    }
    // Before a new plan and before resuming one: a kill between a page and
    // its runs' details leaves them due, and a rerun resumes the plan.
    if (partition_.kind == PartitionKind::workflow_runs && !refresh_runs()) {
        planned.lost = true;
        return PartitionStatus::ok;
    }
    std::optional<Plan> existing;
    {
        pqxx::read_transaction txn(context_.db.conn());
        existing = plan_store::find_plan(txn, partition_);
    }
    if (existing) {
        reuse(*existing, planned);
    } else {
        make_plan(planned, stats);
    }
    if (ProgressBoard* board = ProgressBoard::current(); board && planned.walk_now) {
        board->start_walk(partition_.label(), std::nullopt, 0);
    }
    return context_.stopping() ? PartitionStatus::interrupted : PartitionStatus::ok;
}

void PlanUnit::reuse(const Plan& plan, Planned& planned)
{
    pqxx::work txn(context_.db.conn());
    if (!unit_store::hold(txn, context_.holder, unit_)) {
        planned.lost = true;
        return;
    }
    std::vector<int> unfinished;
    for (const SliceState& slice : plan_store::load_slices(txn, plan.plan_id)) {
        if (!slice.done) {
            unfinished.push_back(slice.slice);
        }
    }
    if (unfinished.empty()) { // stopped between its last page and the close
        plan_store::close_if_done(txn, plan.plan_id);
        txn.commit();
        log_info("closed a plan whose slices were all done", {{"partition", partition_.label()}});
        return;
    }
    // Todo, also for a one-slice plan: its unit may be held (an earlier
    // claim of this very plan unit), and then it is not this claim's to walk.
    unit_store::add_slice_units(txn, context_.schema, context_.holder, key_of(partition_),
                                plan.plan_id, unfinished, std::nullopt);
    txn.commit();
    log_info("resuming the plan of an interrupted walk",
             {{"partition", partition_.label()},
              {"unfinished_slices", std::to_string(unfinished.size())}});
}

std::optional<UnixSeconds> PlanUnit::window_start(RefreshMode& mode, std::string& note,
                                                  PartitionStats& stats)
{
    std::optional<UnixSeconds> cursor;
    {
        pqxx::read_transaction txn(context_.db.conn());
        cursor = checkpoint_store::load_cursor(txn, partition_);
    }
    const std::optional<UnixSeconds> earliest =
        partition_.source->start_time ? std::optional(*partition_.source->start_time - 1)
                                      : std::nullopt;
    std::optional<UnixSeconds> start = earliest;
    if (cursor) {
        start = *cursor - context_.sync.lookback_seconds - 1;
    }
    if (start && partition_.kind == PartitionKind::batch_jobs) {
        // An unfinished batch job inside the horizon opens the window (no by-id refresh).
        pqxx::read_transaction txn(context_.db.conn());
        const UnixSeconds horizon_start = database_now(txn) - context_.sync.refresh_horizon_seconds;
        if (const std::optional<UnixSeconds> oldest = workflow_store::oldest_unfinished_batch_job(
                txn, partition_.bucket(), horizon_start)) {
            start = std::min(*start, *oldest - 1);
        }
    }
    // Runs are refreshed by their details (refresh_runs); jobs below.
    if (start && partition_.kind == PartitionKind::jobs) {
        const UnixSeconds horizon_start =
            now_unix_seconds() - context_.sync.refresh_horizon_seconds;
        const OlderRefresh refreshed =
            refresh_before_walk(context_.db.conn(), context_.client, store_, partition_, *start,
                                horizon_start, context_.sync.page_size, context_.stop_flag);
        mode = refreshed.mode;
        note = refreshed.note;
        const IdRefreshResult& by_id = refreshed.by_id;
        stats.refreshed_by_id += by_id.jobs;
        stats.requests_by_id += by_id.requests;
        stats.vanished += by_id.vanished;
        stats.jobs += by_id.jobs - by_id.written.duplicates;
        add_written(stats, by_id.written);
        if (by_id.vanished > 0) {
            log_warn(
                "jobs the service no longer knows keep their rows, marked vanished_at",
                {{"partition", partition_.label()}, {"vanished", std::to_string(by_id.vanished)}});
        }
        if (refreshed.reappeared > 0) {
            log_info("vanished jobs the service knows again are refreshed and no longer vanished",
                     {{"partition", partition_.label()},
                      {"reappeared", std::to_string(refreshed.reappeared)}});
        }
        start = refreshed.start;
    }
    if (earliest && start && *start < *earliest) {
        start = earliest;
    }
    return start;
}

// Freezes the window of a new walk: from the cursor minus the lookback (or
// start_time), both included, to the database's now minus the settle delay
// (the fleet shares the cursor, so not a worker's own clock). The API's
// bounds are exclusive, so the start is the second before the first walked.
void PlanUnit::make_plan(Planned& planned, PartitionStats& stats)
{
    RefreshMode mode = RefreshMode::none;
    std::string refresh_note;
    const std::optional<UnixSeconds> start = window_start(mode, refresh_note, stats);
    UnixSeconds end = 0;
    {
        pqxx::read_transaction txn(context_.db.conn());
        const UnixSeconds settled = database_now(txn) - context_.sync.settle_delay_seconds;
        end = std::max(settled, start.value_or(settled));
    }
    const SliceWindow window{start, end};
    std::vector<SliceWindow> slices{window};
    std::optional<JobsPage> first_page;
    // Only a jobs window is probed and sliced: the other listings are small.
    if (partition_.kind == PartitionKind::jobs && context_.sync.concurrency >= 2 &&
        !context_.stopping()) {
        // While whole partitions are left for every thread of the fleet,
        // slicing would only add probes and units: the threads are busy.
        const long plans_left =
            unit_store::plans_todo(context_.db.conn(), context_.holder.round_id);
        // Slices for every live worker's threads (counted now, after any wait
        // above): the others claim theirs.
        const RoundWorker me{
            context_.schema, context_.holder.worker_id, context_.holder.lease_seconds, {}};
        const long workers =
            round_store::live_workers(context_.db.conn(), context_.holder.round_id, me);
        const long threads = workers * context_.sync.concurrency;
        const PagePosition from{start, end, "", std::nullopt};
        if (plans_left < threads) {
            WindowProbe probe = probe_window(context_.client, partition_, context_.sync.page_size,
                                             static_cast<int>(threads) * kSlicesPerThread, from);
            if (!probe.slices.empty()) {
                slices = probe.slices; // the probe page is read again by slice 0
                context_.client.recycle(std::move(probe.first_page));
            } else {
                first_page = std::move(probe.first_page);
            }
        }
    }
    std::vector<int> numbers;
    for (std::size_t k = 0; k < slices.size(); ++k) {
        numbers.push_back(static_cast<int>(k));
    }
    const std::optional<int> walk_now = slices.size() == 1 ? std::optional<int>(0) : std::nullopt;
    pqxx::work txn(context_.db.conn());
    if (!unit_store::hold(txn, context_.holder, unit_)) {
        planned.lost = true;
        return;
    }
    const long long plan_id = plan_store::create_plan(txn, partition_, window, slices);
    refresh_store::record_refresh_mode(txn, partition_, mode, refresh_note);
    unit_store::add_slice_units(txn, context_.schema, context_.holder, key_of(partition_), plan_id,
                                numbers, walk_now);
    txn.commit();
    if (walk_now) {
        planned.walk_now = UnitKey{key_of(partition_), plan_id, 0, 1};
        planned.first_page = std::move(first_page);
    } else {
        log_info("window split into time slices",
                 {{"partition", partition_.label()}, {"slices", std::to_string(slices.size())}});
    }
}

bool PlanUnit::refresh_runs()
{
    std::vector<std::string> due;
    {
        pqxx::read_transaction txn(context_.db.conn());
        due = workflow_store::workflow_runs_needing_detail(txn, partition_.bucket(),
                                                           partition_.queue_id, kMaxRunsRefreshed);
    }
    if (due.size() == static_cast<std::size_t>(kMaxRunsRefreshed)) {
        log_warn(
            "more unfinished workflow runs than one plan refreshes; the oldest are "
            "refreshed now, the rest by the next runs",
            {{"partition", partition_.label()}, {"refreshed", std::to_string(kMaxRunsRefreshed)}});
    }
    const RunDetailResult result = write_run_details(
        context_.client, context_.db.conn(), partition_, due,
        [this](pqxx::work& txn) { return unit_store::hold(txn, context_.holder, unit_); },
        context_.stop_flag);
    return !result.lost;
}

} // namespace jobsync
