#include "jobsync/commands/audit_metrics.hpp"

#include "jobsync/commands/exposition.hpp"

#include <cstdio>

namespace jobsync {
namespace {

// Every verdict a check can give, so each series exists (0) from the first run.
constexpr const char* kCheckVerdicts[] = {"match",     "mismatch",        "unverifiable", "missing",
                                          "forbidden", "no_md5_reported", "error"};

void family(std::string& out, const std::string& name, const char* help)
{
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
}

void sample(std::string& out, const std::string& key, double value)
{
    char number[64];
    std::snprintf(number, sizeof number, "%.10g", value);
    out += key + " " + number + "\n";
}

} // namespace

std::string render_audit_metrics(const AuditSummary& summary, UnixSeconds finished_at)
{
    std::string out;
    family(out, "ci_jobsync_audit_last_run_timestamp_seconds", "When the last audit finished.");
    sample(out, "ci_jobsync_audit_last_run_timestamp_seconds", static_cast<double>(finished_at));
    family(out, "ci_jobsync_audit_last_run_success",
           "1 if the last audit ran to its end and found nothing missing or mismatched.");
    sample(out, "ci_jobsync_audit_last_run_success",
           !summary.interrupted && summary.problem_count == 0 ? 1 : 0);
    family(out, "ci_jobsync_audit_last_run_duration_seconds", "How long the last audit took.");
    sample(out, "ci_jobsync_audit_last_run_duration_seconds", summary.duration_seconds);
    family(out, "ci_jobsync_audit_last_run_due_objects",
           "Objects due for a check when the last audit began.");
    sample(out, "ci_jobsync_audit_last_run_due_objects", static_cast<double>(summary.due));
    family(out, "ci_jobsync_audit_last_run_objects", "Objects the last audit checked, by verdict.");
    for (const char* verdict : kCheckVerdicts) {
        const auto found = summary.verdicts.find(verdict);
        sample(out, std::string("ci_jobsync_audit_last_run_objects{verdict=\"") + verdict + "\"}",
               found == summary.verdicts.end() ? 0 : static_cast<double>(found->second));
    }
    family(out, "ci_jobsync_audit_last_run_requests",
           "Requests the last audit sent to COS and CI (HEAD, filehash), retries included.");
    sample(out, "ci_jobsync_audit_last_run_requests", static_cast<double>(summary.requests));
    family(out, "ci_jobsync_audit_last_run_retries", "Requests the last audit retried.");
    sample(out, "ci_jobsync_audit_last_run_retries", static_cast<double>(summary.retries));
    return out;
}

void write_audit_metrics_file(const std::string& path, const AuditSummary& summary,
                              UnixSeconds finished_at)
{
    write_metrics_text(path, render_audit_metrics(summary, finished_at));
}

} // namespace jobsync
