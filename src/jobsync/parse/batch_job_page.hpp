// Parsing GET /inventorytriggerjob (batch jobs, token-paged) and
// GET /inventorytriggerjob/<id> (one, or its id in NonExistJobId): both are
// JobsDetail elements of the same shape.
#pragma once

#include "jobsync/parse/listing_page.hpp"
#include "jobsync/parse/workflow_records.hpp"

#include <string>

namespace jobsync {

using BatchJobPage = ListingPage<BatchJobRecord>;

// The errors and the handling of bad fields are parse_workflow_run_page's.
// StartTime/EndTime "-" or empty are nullopt.
BatchJobPage parse_batch_job_page(std::string body);

} // namespace jobsync
