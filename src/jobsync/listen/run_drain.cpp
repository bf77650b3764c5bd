#include "jobsync/listen/run_drain.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "jobsync/parse/page_warning.hpp"

#include <algorithm>

namespace jobsync {
namespace {

// Why an answered detail cannot be written for run_id; "" when it can (a
// detail without any WorkflowExecution: the service does not know the run).
std::string detail_problem(const WorkflowRunPage& detail, const std::string& run_id)
{
    if (!detail.records.empty() && detail.records.front().run_id != run_id) {
        return "the detail answers for another run";
    }
    if (detail.records.empty() && !detail.rejected.empty()) {
        return "the detail's WorkflowExecution has no storable RunId";
    }
    return "";
}

} // namespace

RunDrain::RunDrain(const Config& config, DbSession& db, ApiClients& clients, StopToken stop)
    : config_(config), db_(db), clients_(clients), stop_(stop)
{
}

bool RunDrain::drain_one(DrainStats& stats, const std::optional<std::string>& pass_started)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_;
    inbox_store::InboxTake take;
    take.pass_started = pass_started;
    const std::optional<InboxRun> run = perform(
        db_, "reading the workflow-run inbox",
        [&] {
            pqxx::work txn(db_.conn());
            auto taken = inbox_store::next_run(txn, take);
            txn.commit();
            return taken;
        },
        retry);
    if (!run) {
        return false;
    }
    const auto source =
        std::find_if(config_.sources.begin(), config_.sources.end(),
                     [&](const SourceConfig& s) { return s.bucket == run->bucket; });
    WorkflowRunPage detail;
    if (source == config_.sources.end()) {
        // Recorded under a bucket the config no longer has: nothing can fetch it.
        log_warn("inbox workflow run of a bucket no longer configured dropped",
                 {{"bucket", run->bucket}, {"run_id", run->run_id}});
    } else {
        CiClient& client = clients_.for_source(*source);
        const long before = client.counters().requests;
        try {
            detail = client.describe_workflow_run(run->run_id);
        } catch (const PartitionError& e) {
            // Refused or failing past its retries: this run backs off, job
            // batches and other runs go on.
            stats.requests += client.counters().requests - before;
            back_off(*run, e.what(), stats);
            return true;
        }
        stats.requests += client.counters().requests - before;
        log_page_warnings(detail.warnings, run->bucket + " workflow run " + run->run_id);
        const std::string problem = detail_problem(detail, run->run_id);
        if (!problem.empty()) {
            back_off(*run, "GET /workflowexecution/" + run->run_id + ": " + problem, stats);
            return true;
        }
    }
    const WorkflowWriteResult written = perform(
        db_, "writing a callback's workflow run",
        [&] {
            pqxx::work txn(db_.conn());
            WorkflowWriteResult result;
            if (!detail.records.empty()) {
                result = workflow_store::write_runs(txn, run->bucket, detail);
            }
            inbox_store::remove_run(txn, *run);
            txn.commit();
            return result;
        },
        retry);
    if (detail.records.empty()) {
        ++stats.runs_unknown;
        if (source != config_.sources.end()) {
            log_warn("callback for a workflow run the service does not know dropped",
                     {{"bucket", run->bucket}, {"run_id", run->run_id}});
        }
        return true;
    }
    ++stats.runs;
    const WorkflowRunRecord& stored = detail.records.front();
    log_info("inbox workflow run written",
             {{"bucket", run->bucket},
              {"run_id", run->run_id},
              {"state", std::string(stored.state.value_or(""))},
              {"tasks", std::to_string(stored.tasks.size())},
              {"outcome", written.inserted > 0  ? "inserted"
                          : written.updated > 0 ? "updated"
                                                : "finished state kept"}});
    return true;
}

void RunDrain::back_off(const InboxRun& run, const std::string& error, DrainStats& stats)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_;
    inbox_store::RetryPolicy policy;
    policy.max_attempts = config_.listen.max_attempts;
    const inbox_store::FailedAttempt failed = perform(
        db_, "recording a failed workflow-run fetch",
        [&] {
            pqxx::work txn(db_.conn());
            auto outcome = inbox_store::record_run_failure(txn, run, error, policy);
            txn.commit();
            return outcome;
        },
        retry);
    ++stats.runs_failed;
    if (!failed.dropped_ids.empty()) {
        ++stats.runs_dropped;
        log_error("inbox workflow run dropped after failed detail requests (kept in "
                  "inbox_runs_dropped)",
                  {{"bucket", run.bucket},
                   {"run_id", run.run_id},
                   {"attempts", std::to_string(failed.attempts)},
                   {"error", error}});
        return;
    }
    log_warn("inbox workflow run not fetched; retried after a back-off",
             {{"bucket", run.bucket},
              {"run_id", run.run_id},
              {"attempts", std::to_string(failed.attempts)},
              {"retry_in_s", std::to_string(failed.retry_in_seconds)},
              {"error", error}});
}

} // namespace jobsync
