// What the parser did with a value its column cannot take, and how each
// outcome is logged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace jobsync {

enum class WarningOutcome {
    stored_as_null,  // an optional field: the job is stored without it
    detail_repaired, // the detail: stored with the characters the xml type refuses replaced
    job_quarantined, // a required field: the job goes to quarantine, the rest of the page lands
};

struct PageWarning {
    WarningOutcome outcome = WarningOutcome::stored_as_null;
    std::string job_id;   // printable and shortened; "" when the job has none
    std::size_t position; // 1-based among the page's JobsDetail elements
    std::string field;    // "Progress", "Operation/MediaInfo/Format/Bitrate", "detail", "JobId"
    std::string message;  // "JobId j1: Progress '99999999999' is out of range for int4"
};

// Logs each warning with its own message for its outcome, naming the job,
// the partition (its label) and the field.
void log_page_warnings(const std::vector<PageWarning>& warnings, const std::string& partition);

} // namespace jobsync
