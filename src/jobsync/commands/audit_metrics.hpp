// Prometheus text exposition of the last `audit` run (ci_jobsync_audit_*),
// for node_exporter's textfile collector: a file of its own, written
// atomically like the sync's.
#pragma once

#include "jobsync/commands/audit_run.hpp"

#include <string>

namespace jobsync {

std::string render_audit_metrics(const AuditSummary& summary, UnixSeconds finished_at);

// Throws RunError naming the path.
void write_audit_metrics_file(const std::string& path, const AuditSummary& summary,
                              UnixSeconds finished_at);

} // namespace jobsync
