#include "jobsync/listen/listen_metrics.hpp"

#include "jobsync/db/build_info.hpp"

#include <cstdio>

namespace jobsync {
namespace {

void header(std::string& out, const char* name, const char* help, const char* type)
{
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const char* name, double value, const std::string& labels = "")
{
    char number[64];
    std::snprintf(number, sizeof number, "%.6g", value);
    out += std::string(name) + labels + " " + number + "\n";
}

void counter(std::string& out, const char* name, const char* help, double value)
{
    header(out, name, help, "counter");
    sample(out, name, value);
}

} // namespace

std::string_view reason_name(RefusalReason reason)
{
    switch (reason) {
    case RefusalReason::token:
        return "token";
    case RefusalReason::path:
        return "path";
    case RefusalReason::method:
        return "method";
    case RefusalReason::body:
        return "body";
    case RefusalReason::bucket:
        return "bucket";
    case RefusalReason::too_large:
        return "too_large";
    case RefusalReason::database:
        return "database";
    case RefusalReason::count:
        break;
    }
    return "unknown";
}

void ListenMetrics::drained(const DrainStats& batch)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    drained_ += batch;
}

DrainStats ListenMetrics::drain_totals() const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return drained_;
}

std::string ListenMetrics::render(const std::optional<inbox_store::InboxActivity>& inbox) const
{
    const DrainStats d = drain_totals();
    std::string out;
    counter(out, "ci_jobsync_listen_callbacks_accepted_total",
            "Callbacks whose job ids were recorded in the inbox and acknowledged.",
            static_cast<double>(accepted_count()));
    header(out, "ci_jobsync_listen_callbacks_refused_total",
           "Requests to the listener not acknowledged, by reason.", "counter");
    for (std::size_t i = 0; i < refused_.size(); ++i) {
        const auto reason = static_cast<RefusalReason>(i);
        sample(out, "ci_jobsync_listen_callbacks_refused_total",
               static_cast<double>(refused_count(reason)),
               "{reason=\"" + std::string(reason_name(reason)) + "\"}");
    }
    counter(out, "ci_jobsync_listen_ids_ignored_total",
            "Job ids of a bucket that is no [[source]]'s, left out of an accepted callback.",
            static_cast<double>(ignored_.load()));
    counter(out, "ci_jobsync_listen_ids_fetched_total",
            "Inbox job ids fetched by id and written out.", static_cast<double>(d.ids));
    counter(out, "ci_jobsync_listen_ids_unknown_total",
            "Inbox job ids the service does not know (NonExistJobIds), dropped.",
            static_cast<double>(d.unknown));
    counter(out, "ci_jobsync_listen_jobs_written_total", "Jobs inserted or updated from the inbox.",
            static_cast<double>(d.written));
    counter(out, "ci_jobsync_listen_requests_total",
            "By-id and workflow-run detail HTTP requests sent.", static_cast<double>(d.requests));
    counter(out, "ci_jobsync_listen_batches_total", "Inbox batches written.",
            static_cast<double>(d.batches));
    counter(out, "ci_jobsync_listen_ids_failed_total",
            "Inbox job ids whose by-id request failed; retried after a back-off.",
            static_cast<double>(d.failed));
    counter(out, "ci_jobsync_listen_ids_dropped_total",
            "Inbox job ids moved to inbox_dropped after [listen] max_attempts failures.",
            static_cast<double>(d.dropped));
    counter(out, "ci_jobsync_listen_runs_fetched_total",
            "WorkflowFinish runs fetched by detail and written with their tasks.",
            static_cast<double>(d.runs));
    counter(out, "ci_jobsync_listen_runs_unknown_total",
            "WorkflowFinish runs the service does not know, dropped.",
            static_cast<double>(d.runs_unknown));
    counter(out, "ci_jobsync_listen_runs_failed_total",
            "WorkflowFinish runs whose detail request failed; retried after a back-off.",
            static_cast<double>(d.runs_failed));
    counter(out, "ci_jobsync_listen_runs_dropped_total",
            "WorkflowFinish runs moved to inbox_runs_dropped after [listen] max_attempts failures.",
            static_cast<double>(d.runs_dropped));
    // Per id, from its first callback to its commit, measured from the
    // batch's oldest id (so at most that).
    header(out, "ci_jobsync_listen_push_latency_seconds",
           "Seconds from a job's first callback to the commit of its row.", "summary");
    sample(out, "ci_jobsync_listen_push_latency_seconds_sum", d.latency_sum);
    sample(out, "ci_jobsync_listen_push_latency_seconds_count", static_cast<double>(d.ids));
    header(out, "ci_jobsync_listen_push_latency_seconds_max",
           "Longest callback-to-commit time of a batch so far.", "gauge");
    sample(out, "ci_jobsync_listen_push_latency_seconds_max", d.latency_max);
    if (inbox) {
        header(out, "ci_jobsync_listen_inbox_depth", "Job ids waiting in the inbox.", "gauge");
        sample(out, "ci_jobsync_listen_inbox_depth", static_cast<double>(inbox->depth));
        header(out, "ci_jobsync_listen_inbox_oldest_age_seconds",
               "Seconds the oldest id waiting in the inbox has waited; 0 when none waits.",
               "gauge");
        sample(out, "ci_jobsync_listen_inbox_oldest_age_seconds",
               inbox->oldest_age_seconds.value_or(0));
        header(out, "ci_jobsync_listen_inbox_runs_depth", "Workflow runs waiting in inbox_runs.",
               "gauge");
        sample(out, "ci_jobsync_listen_inbox_runs_depth", static_cast<double>(inbox->runs_depth));
    }
    out += build_info_exposition();
    return out;
}

} // namespace jobsync
