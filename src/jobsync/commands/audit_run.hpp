// `ci-jobsync audit`: HEADs the output objects of Success jobs on COS that
// are due for a check (never checked, checked before their newest writer,
// last check failed, or older than [audit] recheck_after) and records what
// COS said in output_checks; v_output_audit gives each output file its verdict.
#pragma once

#include "jobsync/commands/audit_progress.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/stop_token.hpp"

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace jobsync {

struct AuditOptions {
    std::optional<UnixSeconds> since, until; // the newest writer's creation time
    bool recheck = false;                    // --recheck: every object in the window
};

struct AuditSummary {
    long due = 0;     // objects due when the run began
    long checked = 0; // objects checked and recorded
    long requests = 0, retries = 0;
    std::map<std::string, long> verdicts; // of this run's checks
    std::vector<std::string> problems;    // the first few missing or mismatched, named
    long problem_count = 0;               // missing + mismatch
    bool interrupted = false;
    double duration_seconds = 0;
};

// Runs the audit (applying migrations first). progress may be null.
// Throws RunError when the database is unusable.
AuditSummary run_audit(const Config& config, const AuditOptions& options, AuditProgress* progress,
                       StopToken stop);

// The named problems, then one summary line.
void print_audit_summary(const AuditSummary& summary, std::ostream& out);

// 0 when no object checked in this run is missing or mismatched, else 1.
int audit_exit_status(const AuditSummary& summary);

} // namespace jobsync
