// One flat pool per process: exactly sync.concurrency threads, each with its
// own session and clients, each looping: claim a unit of the round (a plan
// unit or a slice of a plan), run it, end it. A thread that finds nothing to
// claim waits only while a plan unit is running somewhere (it may add slice
// units: LISTEN/NOTIFY, unit_signal.hpp); otherwise it ends. Units held by
// others are theirs; if their lease runs out, whoever runs next takes them.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/sync/round_membership.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "jobsync/sync/unit_context.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace jobsync {

class UnitSignal;

class UnitPool {
public:
    UnitPool(const Config& config, long wait_lock_seconds, RoundMembership& round,
             ApiClientFactory& api, const std::vector<Partition>& partitions,
             const std::atomic<bool>* stop_flag);

    // Runs the threads until none has anything left; adds what they did to
    // `summary` (one report per partition this process ran a unit of) and
    // their errors, one line each, to `errors`. Rethrows the first RunError
    // a thread met, once every thread has ended.
    void run(SyncSummary& summary, std::string& errors);

private:
    void thread_main();
    const Partition& known(const ClaimKey& key) const;
    // Walks a slice unit this thread holds, then ends it.
    void run_unit(DbSession& db, UnitContext& context, const Partition& partition,
                  const UnitKey& unit, std::optional<JobsPage> first_page);
    // Ends the unit's claim (not when it was lost: it is another's), records
    // a failure or interruption on the partition's checkpoint row, and adds
    // the outcome to the partition's report.
    void end_unit(DbSession& db, const UnitContext& context, const Partition& partition,
                  const UnitKey& unit, const UnitOutcome& outcome);
    void record_failure(DbSession& db, const Partition& partition, const UnitOutcome& outcome);
    void record(const Partition& partition, const UnitKey& unit, const UnitOutcome& outcome);

    const Config& config_;
    long wait_lock_seconds_;
    RoundMembership& round_;
    ApiClientFactory& api_;
    const std::vector<Partition>& partitions_;
    const std::atomic<bool>* stop_flag_;

    UnitSignal* signal_ = nullptr; // the process's LISTEN, while run() runs
    std::mutex mutex_;
    std::vector<PartitionReport> reports_;
    std::string errors_;
    bool interrupted_ = false;
    std::exception_ptr fatal_;
};

} // namespace jobsync
