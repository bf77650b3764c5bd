#include "jobsync/commands/audit_run.hpp"

#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/commands/object_checker.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/db/output_check_store.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

constexpr long kBatchObjects = 1000; // HEADed, then recorded in one transaction
constexpr std::size_t kNamedProblems = 10;

// The batch's objects checked by `concurrency` threads; stops taking new
// objects when the stop flag is raised. done[i] says whether checks[i] is one.
struct BatchResult {
    std::vector<OutputCheck> checks;
    std::vector<char> done;
    bool interrupted = false;
};

class AuditRun {
public:
    AuditRun(const Config& config, AuditProgress* progress, StopToken stop)
        : config_(config), progress_(progress), stop_(stop),
          head_limiter_(config.audit.max_requests_per_second),
          hash_limiter_(config.audit.filehash_requests_per_second),
          heads_(config.sync, head_limiter_, stop), hashes_(config.sync, hash_limiter_, stop)
    {
        for (int i = 0; i < config.audit.concurrency; ++i) {
            checkers_.push_back(std::make_unique<ObjectChecker>(config, heads_, hashes_));
        }
    }

    BatchResult check_batch(const std::vector<DueObject>& batch);
    void tally(const std::vector<OutputCheck>& checks, const std::vector<std::string>& verdicts,
               AuditSummary& summary);
    void set_due(long due) { due_ = due; }
    void show();
    RequestCounters counters() const;
    bool stopping() const { return stop_.stopped(); }

private:
    const Config& config_;
    AuditProgress* progress_;
    StopToken stop_;
    RateLimiter head_limiter_;
    RateLimiter hash_limiter_;
    ApiClientFactory heads_;
    ApiClientFactory hashes_;
    std::vector<std::unique_ptr<ObjectChecker>> checkers_;
    long due_ = 0;
    std::atomic<long> checked_{0}; // live, for the progress display
    std::atomic<long> missing_{0}, mismatch_{0}, errors_{0};
};

BatchResult AuditRun::check_batch(const std::vector<DueObject>& batch)
{
    BatchResult result;
    result.checks.resize(batch.size());
    result.done.assign(batch.size(), 0);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> interrupted{false};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    const auto work = [&](ObjectChecker& checker) {
        for (std::size_t i = next++; i < batch.size() && !interrupted; i = next++) {
            try {
                result.checks[i] = checker.check(batch[i]);
                result.done[i] = 1;
                ++checked_;
                show();
            } catch (const RunError&) {
                // Interrupted (the stop flag), or a client that cannot be
                // made: the checks done so far are still recorded.
                const std::lock_guard<std::mutex> lock(failure_mutex);
                if (!failure) {
                    failure = std::current_exception();
                }
                interrupted = true;
            }
        }
    };
    std::vector<std::thread> threads;
    const std::size_t count = std::min(checkers_.size(), batch.size());
    for (std::size_t t = 1; t < count; ++t) {
        threads.emplace_back(work, std::ref(*checkers_[t]));
    }
    work(*checkers_[0]);
    for (std::thread& thread : threads) {
        thread.join();
    }
    result.interrupted = interrupted || stopping();
    if (failure && !stopping()) {
        std::rethrow_exception(failure);
    }
    return result;
}

void AuditRun::tally(const std::vector<OutputCheck>& checks,
                     const std::vector<std::string>& verdicts, AuditSummary& summary)
{
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const std::string& verdict = verdicts[i];
        ++summary.verdicts[verdict];
        ++summary.checked;
        errors_ += verdict == "error" ? 1 : 0;
        missing_ += verdict == "missing" ? 1 : 0;
        mismatch_ += verdict == "mismatch" ? 1 : 0;
        if (verdict != "missing" && verdict != "mismatch") {
            continue;
        }
        ++summary.problem_count;
        const DueObject& o = checks[i].object;
        const std::string line =
            verdict + " " + o.bucket + "/" + o.object_name + " (job " + o.writer_job_id + ")";
        log_warn("audit problem", {{"verdict", verdict},
                                   {"bucket", o.bucket},
                                   {"object", o.object_name},
                                   {"job_id", o.writer_job_id}});
        if (summary.problems.size() < kNamedProblems) {
            summary.problems.push_back(line);
        }
    }
}

void AuditRun::show()
{
    if (progress_ != nullptr) {
        progress_->update(
            {due_, checked_.load(), missing_.load(), mismatch_.load(), errors_.load()});
    }
}

RequestCounters AuditRun::counters() const
{
    RequestCounters total;
    for (const auto& checker : checkers_) {
        total.requests += checker->counters().requests;
        total.retries += checker->counters().retries;
    }
    return total;
}

} // namespace

AuditSummary run_audit(const Config& config, const AuditOptions& options, AuditProgress* progress,
                       StopToken stop)
{
    const auto started = std::chrono::steady_clock::now();
    DbSession db(config.database);
    apply_migrations(db.conn(), config.database.schema);
    AuditSummary summary;
    const AuditSelection selection{options.since, options.until, options.recheck,
                                   config.audit.recheck_after_seconds};
    summary.due = output_check_store::collect_due(db.conn(), selection);
    AuditRun run(config, progress, stop);
    run.set_due(summary.due);
    std::optional<DueObject> after;
    while (!summary.interrupted) {
        const std::vector<DueObject> batch =
            output_check_store::next_due(db.conn(), after ? &*after : nullptr, kBatchObjects);
        if (batch.empty()) {
            break;
        }
        BatchResult result = run.check_batch(batch);
        std::vector<OutputCheck> checks;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (result.done[i] != 0) {
                checks.push_back(std::move(result.checks[i]));
            }
        }
        const std::vector<std::string> verdicts = output_check_store::record(db.conn(), checks);
        run.tally(checks, verdicts, summary);
        summary.interrupted = result.interrupted;
        after = batch.back();
        run.show();
    }
    const RequestCounters counters = run.counters();
    summary.requests = counters.requests;
    summary.retries = counters.retries;
    summary.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string verdicts;
    for (const auto& [verdict, count] : summary.verdicts) {
        verdicts += (verdicts.empty() ? "" : ",") + verdict + ":" + std::to_string(count);
    }
    const std::string status = summary.interrupted         ? "interrupted"
                               : summary.problem_count > 0 ? "problems"
                                                           : "ok";
    Logger::write(summary.problem_count > 0 || summary.interrupted ? LogLevel::error
                                                                   : LogLevel::info,
                  "audit finished",
                  {{"status", status},
                   {"due", std::to_string(summary.due)},
                   {"checked", std::to_string(summary.checked)},
                   {"verdicts", verdicts},
                   {"requests", std::to_string(summary.requests)},
                   {"retries", std::to_string(summary.retries)}});
    return summary;
}

void print_audit_summary(const AuditSummary& summary, std::ostream& out)
{
    for (const std::string& problem : summary.problems) {
        out << problem << "\n";
    }
    if (summary.problem_count > static_cast<long>(summary.problems.size())) {
        out << "... and " << summary.problem_count - static_cast<long>(summary.problems.size())
            << " more missing or mismatched (SELECT * FROM v_output_audit WHERE verdict IN "
               "('missing', 'mismatch'))\n";
    }
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.1f", summary.duration_seconds);
    out << "audit: " << summary.checked << " of " << summary.due << " due objects checked";
    for (const auto& [verdict, count] : summary.verdicts) {
        out << ", " << count << " " << verdict;
    }
    out << "; " << summary.requests << " requests, " << summary.retries << " retries, " << duration
        << " s" << (summary.interrupted ? " (interrupted)" : "") << "\n";
}

int audit_exit_status(const AuditSummary& summary)
{
    return summary.problem_count > 0 ? 1 : 0;
}

} // namespace jobsync
