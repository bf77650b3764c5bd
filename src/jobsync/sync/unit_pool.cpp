#include "jobsync/sync/unit_pool.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/checkpoint_store.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/unit_store.hpp"
#include "jobsync/sync/plan_unit.hpp"
#include "jobsync/sync/slice_walk.hpp"
#include "jobsync/sync/unit_signal.hpp"

#include <algorithm>
#include <thread>

namespace jobsync {
namespace {

const char* unit_state(const UnitOutcome& outcome)
{
    switch (outcome.status) {
    case PartitionStatus::ok:
        return "done";
    case PartitionStatus::failed:
        return "failed";
    case PartitionStatus::skipped:
        return "skipped"; // another process holds its lock: it walks it
    case PartitionStatus::interrupted:
        return "todo"; // for another worker
    }
    return "failed";
}

ClaimKey key_of(const Partition& partition)
{
    return {partition.bucket(), partition.tag, partition.queue_id};
}

std::string describe(const UnitKey& unit)
{
    return unit.is_plan() ? "plan" : "slice " + std::to_string(unit.slice);
}

// Quiet when healthy: a partition with nothing new is a debug line, so a
// timer run over many partitions logs its summary. "partition synced" when
// the unit's last page moved the cursor.
void log_done(const Partition& partition, const UnitKey& unit, const UnitOutcome& outcome)
{
    const PartitionStats& s = outcome.stats;
    const bool changed = s.inserted + s.updated + s.refused + s.quarantined > 0;
    Logger::write(changed ? LogLevel::info : LogLevel::debug,
                  outcome.closed ? "partition synced" : "unit done",
                  {{"partition", partition.label()},
                   {"unit", describe(unit)},
                   {"pages", std::to_string(s.pages)},
                   {"jobs", std::to_string(s.jobs)},
                   {"inserted", std::to_string(s.inserted)},
                   {"updated", std::to_string(s.updated)},
                   {"unchanged", std::to_string(s.unchanged)},
                   {"refused", std::to_string(s.refused)},
                   {"quarantined", std::to_string(s.quarantined)}});
}

} // namespace

UnitPool::UnitPool(const Config& config, long wait_lock_seconds, RoundMembership& round,
                   ApiClientFactory& api, const std::vector<Partition>& partitions,
                   const std::atomic<bool>* stop_flag)
    : config_(config), wait_lock_seconds_(wait_lock_seconds), round_(round), api_(api),
      partitions_(partitions), stop_flag_(stop_flag)
{
}

const Partition& UnitPool::known(const ClaimKey& key) const
{
    const auto found = std::find_if(partitions_.begin(), partitions_.end(),
                                    [&](const Partition& p) { return key_of(p) == key; });
    if (found == partitions_.end()) { // the claims offer only the ones listed
        throw RunError("claimed a partition this worker does not know: " + key.bucket + "/" +
                       key.tag);
    }
    return *found;
}

void UnitPool::run(SyncSummary& summary, std::string& errors)
{
    UnitSignal signal(config_.database, unit_store::channel(config_.database.schema));
    signal_ = &signal;
    std::vector<std::thread> threads;
    for (int i = 0; i < std::max(1, config_.sync.concurrency); ++i) {
        threads.emplace_back(&UnitPool::thread_main, this);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    signal_ = nullptr;
    for (PartitionReport& report : reports_) {
        summary.totals += report.outcome.stats;
        switch (report.outcome.status) {
        case PartitionStatus::failed:
            ++summary.failed;
            break;
        case PartitionStatus::skipped:
            ++summary.skipped;
            break;
        case PartitionStatus::interrupted:
        case PartitionStatus::ok:
            break;
        }
        summary.reports.push_back(std::move(report));
    }
    summary.interrupted = summary.interrupted || interrupted_;
    if (!errors_.empty()) {
        errors += (errors.empty() ? "" : "\n") + errors_;
    }
    if (fatal_) {
        std::rethrow_exception(fatal_);
    }
}

void UnitPool::thread_main()
{
    try {
        DbSession db(config_.database);
        ApiClients clients(api_);
        DbRetryOptions retry;
        retry.stop_flag = stop_flag_;
        const RoundWorker& worker = round_.worker();
        const long long round_id = round_.round_id();
        for (;;) {
            {
                const std::lock_guard<std::mutex> lock(mutex_);
                if (fatal_) {
                    return;
                }
            }
            if (stop_flag_ != nullptr && stop_flag_->load()) {
                return;
            }
            const long long seen = signal_->seen();
            const std::optional<ClaimedUnit> claimed = perform(
                db, "claiming a unit of work",
                [&] { return unit_store::claim_next(db.conn(), round_id, worker); }, retry);
            if (!claimed) {
                const long planning = perform(
                    db, "looking at the round",
                    [&] { return unit_store::plans_running(db.conn(), round_id, worker); }, retry);
                if (planning == 0) {
                    perform(
                        db, "closing the round",
                        [&] { round_store::close_if_finished(db.conn(), round_id); }, retry);
                    return;
                }
                signal_->wait(seen, worker.lease_seconds, stop_flag_);
                continue;
            }
            round_.take_share(claimed->live_walkers);
            const Partition& partition = known(claimed->key.partition);
            const UnitKey& unit = claimed->key;
            if (claimed->taken_over) {
                log_info("taking over a unit whose worker is gone or whose lease ran out; it "
                         "resumes from its committed state",
                         {{"partition", partition.label()}, {"unit", describe(unit)}});
            }
            UnitContext context{db,
                                clients.for_source(*partition.source),
                                config_.sync,
                                config_.database.schema,
                                wait_lock_seconds_,
                                {round_id, worker.worker_id, worker.lease_seconds},
                                stop_flag_};
            if (!unit.is_plan()) {
                run_unit(db, context, partition, unit, std::nullopt);
                continue;
            }
            PlanUnit plan(context, partition, unit);
            const UnitOutcome planned = plan.run();
            // Ended before its one slice is walked: the plan unit's lease is
            // renewed by no page, and the slice's unit is held on its own.
            end_unit(db, context, partition, unit, planned);
            if (plan.walk_now()) {
                run_unit(db, context, partition, *plan.walk_now(), plan.take_first_page());
            }
        }
    } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!fatal_) {
            fatal_ = std::current_exception();
        }
    }
}

void UnitPool::run_unit(DbSession& db, UnitContext& context, const Partition& partition,
                        const UnitKey& unit, std::optional<JobsPage> first_page)
{
    const UnitOutcome outcome = SliceWalk(context, partition, unit).run(std::move(first_page));
    end_unit(db, context, partition, unit, outcome);
}

void UnitPool::end_unit(DbSession& db, const UnitContext& context, const Partition& partition,
                        const UnitKey& unit, const UnitOutcome& outcome)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    if (!outcome.lost) {
        perform(
            db, "recording the unit's end",
            [&] {
                unit_store::finish(db.conn(), config_.database.schema, context.holder, unit,
                                   unit_state(outcome));
            },
            retry);
    }
    record_failure(db, partition, outcome);
    record(partition, unit, outcome);
}

void UnitPool::record_failure(DbSession& db, const Partition& partition, const UnitOutcome& outcome)
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
        checkpoint_store::record_outcome(db.conn(), partition, to_string(outcome.status),
                                         outcome.error);
    } catch (const pqxx::failure& e) {
        log_error("could not record the partition's outcome",
                  {{"partition", partition.label()}, {"error", e.what()}});
    }
}

void UnitPool::record(const Partition& partition, const UnitKey& unit, const UnitOutcome& outcome)
{
    if (outcome.status == PartitionStatus::ok && !outcome.lost) {
        log_done(partition, unit, outcome);
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    auto report = std::find_if(reports_.begin(), reports_.end(), [&](const PartitionReport& r) {
        return r.label == partition.label();
    });
    if (report == reports_.end()) {
        reports_.push_back({partition.label(), partition.bucket(), partition.tag,
                            partition.queue_id, PartitionOutcome{}});
        report = std::prev(reports_.end());
    }
    PartitionOutcome& merged = report->outcome;
    merged.stats += outcome.stats;
    merged.status = worse(merged.status, outcome.status);
    if (!outcome.error.empty() && outcome.status == PartitionStatus::failed) {
        merged.error += (merged.error.empty() ? "" : "; ") + outcome.error;
        errors_ += (errors_.empty() ? "" : "\n") + partition.label() + ": " + outcome.error;
    }
    if (outcome.status == PartitionStatus::interrupted) {
        interrupted_ = true;
    }
}

} // namespace jobsync
