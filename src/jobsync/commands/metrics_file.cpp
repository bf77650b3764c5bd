#include "jobsync/commands/metrics_file.hpp"

#include "jobsync/commands/exposition.hpp"
#include "jobsync/commands/state_metrics.hpp"

#include <set>

namespace jobsync {
namespace {

std::string partition_key(const char* name, const PartitionReport& report)
{
    return std::string(name) + "{" + metric_label("bucket", report.bucket) + "," +
           metric_label("tag", report.tag) + "," + metric_label("queue", report.queue_id) + "}";
}

void render_run(Exposition& out, const SyncSummary& summary, UnixSeconds finished_at)
{
    const bool success = summary.failed == 0 && !summary.interrupted;
    const std::string last_success = "ci_jobsync_last_success_timestamp_seconds";
    out.family(last_success, "gauge", "When a sync last finished with every partition synced.");
    if (success) {
        out.gauge(last_success, static_cast<double>(finished_at));
    } else if (const auto before = out.previous(last_success)) {
        out.gauge(last_success, *before);
    }
    out.family("ci_jobsync_last_run_timestamp_seconds", "gauge", "When the last sync finished.");
    out.gauge("ci_jobsync_last_run_timestamp_seconds", static_cast<double>(finished_at));
    out.family("ci_jobsync_last_run_success", "gauge",
               "1 if the last sync synced every partition, else 0.");
    out.gauge("ci_jobsync_last_run_success", success ? 1 : 0);
    out.family("ci_jobsync_last_run_duration_seconds", "gauge", "How long the last sync took.");
    out.gauge("ci_jobsync_last_run_duration_seconds", summary.duration_seconds);
    out.family("ci_jobsync_runs_total", "counter", "Sync runs by result.");
    out.counter("ci_jobsync_runs_total{result=\"success\"}", success ? 1 : 0);
    out.counter("ci_jobsync_runs_total{result=\"failure\"}", success ? 0 : 1);
}

void render_partitions(Exposition& out, const SyncSummary& summary)
{
    out.family("ci_jobsync_partition_lag_seconds", "gauge",
               "How far the partition's cursor is behind now, after the last sync.");
    for (const PartitionReport& report : summary.reports) {
        if (report.outcome.stats.lag_seconds >= 0) {
            out.gauge(partition_key("ci_jobsync_partition_lag_seconds", report),
                      static_cast<double>(report.outcome.stats.lag_seconds));
        }
    }
    out.family(
        "ci_jobsync_partition_up", "gauge",
        "1 if the partition synced in the last run, 0 if it failed, was skipped or stopped.");
    for (const PartitionReport& report : summary.reports) {
        out.gauge(partition_key("ci_jobsync_partition_up", report),
                  report.outcome.status == PartitionStatus::ok ? 1 : 0);
    }
}

void render_totals(Exposition& out, const SyncSummary& summary)
{
    const PartitionStats& t = summary.totals;
    out.family("ci_jobsync_jobs_total", "counter", "Jobs received, by what the store did.");
    out.counter("ci_jobsync_jobs_total{result=\"inserted\"}", static_cast<double>(t.inserted));
    out.counter("ci_jobsync_jobs_total{result=\"updated\"}", static_cast<double>(t.updated));
    out.counter("ci_jobsync_jobs_total{result=\"unchanged\"}", static_cast<double>(t.unchanged));
    out.counter("ci_jobsync_jobs_total{result=\"refused\"}", static_cast<double>(t.refused));
    out.counter("ci_jobsync_jobs_total{result=\"quarantined\"}",
                static_cast<double>(t.quarantined));
    const struct {
        const char* name;
        const char* help;
        double value;
    } counters[] = {
        {"ci_jobsync_pages_total", "Pages of jobs committed.", static_cast<double>(t.pages)},
        {"ci_jobsync_requests_total", "Requests sent to the CI API.",
         static_cast<double>(t.requests)},
        {"ci_jobsync_requests_by_id_total", "GET /jobs/<ids> requests refreshing older jobs.",
         static_cast<double>(t.requests_by_id)},
        {"ci_jobsync_jobs_refreshed_by_id_total", "Older unfinished jobs refreshed by id.",
         static_cast<double>(t.refreshed_by_id)},
        {"ci_jobsync_jobs_vanished_total", "Jobs newly marked vanished (unknown to the service).",
         static_cast<double>(t.vanished)},
        {"ci_jobsync_retries_total", "CI API requests retried.", static_cast<double>(t.retries)},
        {"ci_jobsync_warnings_total", "Fields that did not parse and were stored as NULL.",
         static_cast<double>(t.warnings)},
        {"ci_jobsync_errors_total", "Partition walks that failed.",
         static_cast<double>(summary.failed)},
    };
    for (const auto& c : counters) {
        out.family(c.name, "counter", c.help);
        out.counter(c.name, c.value);
    }
}

void render_partition_requests(Exposition& out, const SyncSummary& summary)
{
    const std::string name = "ci_jobsync_partition_requests_total";
    out.family(name, "counter", "Requests sent to the CI API for the partition's walks.");
    std::set<std::string> written;
    for (const PartitionReport& report : summary.reports) {
        const std::string key = partition_key(name.c_str(), report);
        if (written.insert(key).second) {
            out.counter(key, static_cast<double>(report.outcome.stats.requests));
        }
    }
    // A partition this run did not walk (another worker did) keeps its count,
    // so the counter does not restart when this worker walks it again.
    for (const auto& [key, value] : out.previous_samples()) {
        if (key.rfind(name + "{", 0) == 0 && written.count(key) == 0) {
            out.gauge(key, value);
        }
    }
}

std::string render(const SyncSummary& summary, UnixSeconds finished_at,
                   const PreviousMetrics& previous, const std::optional<SyncState>& state)
{
    Exposition out(previous);
    render_run(out, summary, finished_at);
    render_partitions(out, summary);
    render_partition_requests(out, summary);
    render_totals(out, summary);
    if (state) {
        render_state(out, *state);
    } else {
        out.keep_previous(
            [](const std::string& family) { return state_metric_families().count(family) > 0; });
    }
    return out.text();
}

} // namespace

std::string render_metrics(const SyncSummary& summary, UnixSeconds finished_at)
{
    return render(summary, finished_at, {}, std::nullopt);
}

void write_metrics_file(const std::string& path, const SyncSummary& summary,
                        UnixSeconds finished_at, const std::optional<SyncState>& state)
{
    write_metrics_text(path, render(summary, finished_at, read_previous_metrics(path), state));
}

void write_state_metrics(const std::string& path, const SyncState& state)
{
    const PreviousMetrics previous = read_previous_metrics(path);
    Exposition out(previous);
    out.keep_previous(
        [](const std::string& family) { return state_metric_families().count(family) == 0; });
    render_state(out, state);
    write_metrics_text(path, out.text());
}

} // namespace jobsync
