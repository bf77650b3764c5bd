// Prometheus text exposition of a sync run, for node_exporter's textfile
// collector, written atomically (temporary file + rename).
#pragma once

#include "jobsync/db/sync_state_store.hpp"
#include "jobsync/sync/sync_run.hpp"

#include <optional>
#include <string>

namespace jobsync {

// Renders the metrics of a finished run (last success time, lag per
// partition, jobs synced, requests, retries, errors, duration).
std::string render_metrics(const SyncSummary& summary, UnixSeconds finished_at);

// Writes the run's metrics and the database's state (state_metrics.hpp) to
// path atomically; without a state (the database did not answer), the
// previous file's state lines stay. Throws RunError naming the path.
void write_metrics_file(const std::string& path, const SyncSummary& summary,
                        UnixSeconds finished_at,
                        const std::optional<SyncState>& state = std::nullopt);

// During a run: rewrites the state part of the file, the last run's metrics
// as they were. Throws RunError naming the path.
void write_state_metrics(const std::string& path, const SyncState& state);

} // namespace jobsync
