// One GET /jobs/<id>,<id>,... (DescribeMediaJob) response: a <Response> with
// one <JobsDetail> per job found, in the list's schema, and <NonExistJobIds>
// for the ids the service does not know.
#pragma once

#include "jobsync/parse/jobs_page.hpp"

#include <string>
#include <vector>

namespace jobsync {

struct JobsByIdPage {
    JobsPage page; // the jobs found (its next_token means nothing here)
    std::vector<std::string> non_existent_ids;
};

// Parses the body with parse_jobs_page (same errors), then collects
// NonExistJobIds in any of the shapes seen: the element repeated, one id, or
// one comma-joined list. Ids are trimmed; empty ones are dropped.
JobsByIdPage parse_jobs_by_id(std::string body);

// Letters, digits, '-' and '_' only: an id that can go in the by-id path.
bool is_plain_job_id(const std::string& id);

// The ids, comma-joined, as the last segment of the by-id path. Throws
// PartitionError for an id that is not letters, digits, '-' and '_' (it would
// change the path's meaning or its signature).
std::string join_job_ids(const std::vector<std::string>& job_ids);

} // namespace jobsync
