// Workflows, their runs with the runs' tasks, and batch jobs, as parsed from
// GET /workflow, /workflowexecution[/<RunId>] and /inventorytriggerjob[/<id>].
// Text fields are views into their page's buffers (see ListingPage).
#pragma once

#include "jobsync/parse/job_record.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace jobsync {

// One MediaWorkflowList element.
struct WorkflowRecord {
    std::string_view workflow_id; // required
    OptText name, state, bucket_id;
    std::optional<UnixSeconds> create_time, update_time;
    std::string_view detail_xml;
};

// One Tasks element of a run's detail; ordinal is its 1-based position.
struct WorkflowTaskRecord {
    int ordinal = 0;
    OptText node_name, type, job_id, state, code, message;
    std::optional<UnixSeconds> create_time, start_time, end_time;
};

// A WorkflowExecutionList element (from_detail false, no tasks) or a run's
// WorkflowExecution detail (from_detail true, its tasks).
struct WorkflowRunRecord {
    std::string_view run_id; // required
    OptText workflow_id, workflow_name, object, state;
    std::optional<UnixSeconds> create_time;
    std::string_view detail_xml;
    bool from_detail = false;
    std::vector<WorkflowTaskRecord> tasks;
};

// One JobsDetail of GET /inventorytriggerjob (list or by id).
struct BatchJobRecord {
    std::string_view job_id; // required
    OptText type, name, state, code, message;
    std::optional<UnixSeconds> creation_time, start_time, end_time;
    std::string_view detail_xml;
};

} // namespace jobsync
