// Prometheus text exposition of a sync run, for node_exporter's textfile
// collector, written atomically (temporary file + rename).
#pragma once

#include "jobsync/sync/sync_run.hpp"

#include <string>

namespace jobsync {

// Renders the metrics of a finished run (last success time, lag per
// partition, jobs synced, requests, retries, errors, duration).
std::string render_metrics(const SyncSummary& summary, UnixSeconds finished_at);

// Writes render_metrics() to path atomically. Throws RunError naming the path.
void write_metrics_file(const std::string& path, const SyncSummary& summary,
                        UnixSeconds finished_at);

// Writes a metrics text to path atomically (a temporary file in the same
// directory, mode 0644, fsync, rename). Throws RunError naming the path.
void write_file_atomically(const std::string& path, const std::string& text);

} // namespace jobsync
