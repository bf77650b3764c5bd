#include "jobsync/parse/page_warning.hpp"

#include "jobsync/core/logger.hpp"

namespace jobsync {
namespace {

const char* outcome_message(WarningOutcome outcome)
{
    switch (outcome) {
    case WarningOutcome::stored_as_null:
        return "job field cannot be stored; the job is stored with it NULL";
    case WarningOutcome::detail_repaired:
        return "job detail holds characters the xml type refuses; stored with them replaced";
    case WarningOutcome::job_quarantined:
        return "job cannot be stored; quarantined";
    }
    return "job field warning";
}

} // namespace

void log_page_warnings(const std::vector<PageWarning>& warnings, const std::string& partition)
{
    for (const PageWarning& warning : warnings) {
        const std::string job = warning.job_id.empty()
                                    ? "JobsDetail #" + std::to_string(warning.position)
                                    : warning.job_id;
        log_warn(outcome_message(warning.outcome), {{"partition", partition},
                                                    {"job_id", job},
                                                    {"field", warning.field},
                                                    {"problem", warning.message}});
    }
}

} // namespace jobsync
