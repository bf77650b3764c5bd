#include "jobsync/commands/state_metrics.hpp"

#include "jobsync/db/build_info.hpp"

#include <functional>
#include <vector>

namespace jobsync {
namespace {

// One gauge per partition; `value` returns false to leave the partition out.
struct PartitionGauge {
    const char* name;
    const char* help;
    std::function<bool(const PartitionState&, double&)> value;
};

const std::vector<PartitionGauge>& partition_gauges()
{
    static const std::vector<PartitionGauge> gauges{
        {"ci_jobsync_partition_cursor_timestamp_seconds",
         "Everything the partition's jobs created before this time is synced (its cursor).",
         [](const PartitionState& p, double& v) {
             v = static_cast<double>(p.cursor.value_or(0));
             return p.cursor.has_value();
         }},
        {"ci_jobsync_partition_last_page_timestamp_seconds",
         "When the partition's walk (or a time slice of it) last committed a page; for one that "
         "has committed none, when it was first seen.",
         [](const PartitionState& p, double& v) {
             v = static_cast<double>(p.last_page_at.value_or(0));
             return p.last_page_at.has_value();
         }},
        {"ci_jobsync_partition_walking",
         "1 while a live claim of the round in progress walks the partition or one of its slices.",
         [](const PartitionState& p, double& v) {
             v = p.walking ? 1 : 0;
             return true;
         }},
        {"ci_jobsync_partition_quarantined_jobs",
         "Jobs of the partition in quarantine now (could not be stored).",
         [](const PartitionState& p, double& v) {
             v = static_cast<double>(p.quarantined_jobs);
             return true;
         }},
    };
    return gauges;
}

} // namespace

const std::set<std::string>& state_metric_families()
{
    static const std::set<std::string> families = [] {
        std::set<std::string> names{"ci_jobsync_build_info", "ci_jobsync_runs_failed_in_a_row"};
        for (const PartitionGauge& gauge : partition_gauges()) {
            names.insert(gauge.name);
        }
        return names;
    }();
    return families;
}

void render_state(Exposition& out, const SyncState& state)
{
    for (const PartitionGauge& gauge : partition_gauges()) {
        out.family(gauge.name, "gauge", gauge.help);
        for (const PartitionState& p : state.partitions) {
            double value = 0;
            if (gauge.value(p, value)) {
                out.gauge(std::string(gauge.name) + "{" + metric_label("bucket", p.bucket) + "," +
                              metric_label("tag", p.tag) + "," + metric_label("queue", p.queue_id) +
                              "}",
                          value);
            }
        }
    }
    out.family("ci_jobsync_runs_failed_in_a_row", "gauge",
               "Sync runs of the database that failed since the last one that succeeded.");
    out.gauge("ci_jobsync_runs_failed_in_a_row", static_cast<double>(state.runs_failed_in_a_row));
    out.raw(build_info_exposition());
}

} // namespace jobsync
