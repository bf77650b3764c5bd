#include "jobsync/commands/metrics_file.hpp"

#include "jobsync/core/errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

namespace jobsync {
namespace {

// Sample values of the previous file, keyed by `name{labels}` exactly as written.
// The file is the only state between runs: counters continue from it and the
// last success time survives a failed run. Deleting it is a counter reset.
using PreviousSamples = std::map<std::string, double>;

PreviousSamples read_previous(const std::string& path)
{
    PreviousSamples samples;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        const auto space = line.rfind(' ');
        if (line.empty() || line[0] == '#' || space == std::string::npos) {
            continue;
        }
        char* end = nullptr;
        const std::string value = line.substr(space + 1);
        const double parsed = std::strtod(value.c_str(), &end);
        if (end != value.c_str() && *end == '\0' && std::isfinite(parsed)) {
            samples[line.substr(0, space)] = parsed;
        }
    }
    return samples;
}

std::string escape_label_value(const std::string& value)
{
    std::string out;
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value)
{
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.10g", value);
    }
    return buffer;
}

class Exposition {
public:
    explicit Exposition(const PreviousSamples& previous) : previous_(previous) {}

    void family(const std::string& name, const char* type, const char* help)
    {
        text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void gauge(const std::string& key, double value) { line(key, value); }
    // A counter: this run's amount added to the previous file's value.
    void counter(const std::string& key, double amount)
    {
        const auto before = previous_.find(key);
        line(key, amount + (before == previous_.end() ? 0 : before->second));
    }
    std::optional<double> previous(const std::string& key) const
    {
        const auto found = previous_.find(key);
        return found == previous_.end() ? std::nullopt : std::optional<double>(found->second);
    }
    const std::string& text() const { return text_; }

private:
    void line(const std::string& key, double value)
    {
        text_ += key + " " + format_value(value) + "\n";
    }

    const PreviousSamples& previous_;
    std::string text_;
};

std::string label(const char* name, const std::string& value)
{
    return std::string(name) + "=\"" + escape_label_value(value) + "\"";
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
            out.gauge("ci_jobsync_partition_lag_seconds{" + label("bucket", report.bucket) + "," +
                          label("tag", report.tag) + "," + label("queue", report.queue_id) + "}",
                      static_cast<double>(report.outcome.stats.lag_seconds));
        }
    }
    out.family(
        "ci_jobsync_partition_up", "gauge",
        "1 if the partition synced in the last run, 0 if it failed, was skipped or stopped.");
    for (const PartitionReport& report : summary.reports) {
        out.gauge("ci_jobsync_partition_up{" + label("bucket", report.bucket) + "," +
                      label("tag", report.tag) + "," + label("queue", report.queue_id) + "}",
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

std::string render(const SyncSummary& summary, UnixSeconds finished_at,
                   const PreviousSamples& previous)
{
    Exposition out(previous);
    render_run(out, summary, finished_at);
    render_partitions(out, summary);
    render_totals(out, summary);
    return out.text();
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int error)
{
    throw RunError("cannot write metrics file " + path + ": " + what + ": " + std::strerror(error));
}

} // namespace

std::string render_metrics(const SyncSummary& summary, UnixSeconds finished_at)
{
    return render(summary, finished_at, {});
}

void write_metrics_file(const std::string& path, const SyncSummary& summary,
                        UnixSeconds finished_at)
{
    write_file_atomically(path, render(summary, finished_at, read_previous(path)));
}

void write_file_atomically(const std::string& path, const std::string& text)
{
    // Same directory, so rename() is atomic; the name does not end in .prom,
    // so the textfile collector never reads a half-written file.
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        fail(path, "create " + temp, errno);
    }
    const char* data = text.data();
    std::size_t left = text.size();
    int error = 0;
    while (left > 0 && error == 0) {
        const ssize_t written = ::write(fd, data, left);
        if (written < 0 && errno != EINTR) {
            error = errno;
        } else if (written > 0) {
            data += written;
            left -= static_cast<std::size_t>(written);
        }
    }
    // Metrics are not secret, and node_exporter runs as another user (UMask=0077).
    if (error == 0 && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)) {
        error = errno;
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) {
        error = errno;
    }
    if (error != 0) {
        ::unlink(temp.c_str());
        fail(path, "write " + temp, error);
    }
}

} // namespace jobsync
