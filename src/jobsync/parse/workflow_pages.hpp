// Parsing the workflow listings: GET /workflow (workflows, page-numbered),
// GET /workflowexecution (a workflow's runs, token-paged) and
// GET /workflowexecution/<RunId> (one run with its tasks).
#pragma once

#include "jobsync/parse/listing_page.hpp"
#include "jobsync/parse/workflow_records.hpp"

#include <string>

namespace jobsync {

using WorkflowPage = ListingPage<WorkflowRecord>;
using WorkflowRunPage = ListingPage<WorkflowRunRecord>;

// The errors are parse_jobs_page's: RetryableError for a body that is not
// well-formed, PartitionError for a wrong root or one over the XML limits. An
// item without a storable id goes to rejected; an optional field its column
// cannot take (a time in none of the three spellings, too long an indexed
// id) becomes nullopt with a warning.

// MediaWorkflowList items; TotalCount, PageNumber, PageSize and NonExistIDs.
WorkflowPage parse_workflow_page(std::string body);

// WorkflowExecutionList items and NextToken.
WorkflowRunPage parse_workflow_run_page(std::string body);

// The WorkflowExecution element (records holds it, from_detail, with its
// Tasks in order; none when the body has no WorkflowExecution). Its name is
// WorkflowName, or Name as one of the service's samples spells it.
WorkflowRunPage parse_workflow_run_detail(std::string body);

} // namespace jobsync
