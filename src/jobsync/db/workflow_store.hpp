// Writing parsed workflow pages into workflows, workflow_runs (with their
// tasks) and batch_jobs (migrations/0015_workflows.sql). Idempotent upserts;
// a stored terminal state (Success, Failed, Cancel) is never replaced by an
// unfinished one, as JobStore does for jobs. The caller commits.
#pragma once

#include "jobsync/parse/batch_job_page.hpp"
#include "jobsync/parse/workflow_pages.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct WorkflowWriteResult {
    long inserted = 0; // new rows
    long updated = 0;  // existing rows written again
    long refused = 0;  // a stored terminal state kept over an unfinished one
};

namespace workflow_store {

WorkflowWriteResult write_workflows(pqxx::transaction_base& txn, const std::string& bucket,
                                    const WorkflowPage& page);

// Upserts each run. A run's detail (from_detail) replaces its detail and its
// tasks and sets detail_synced_at; a list item keeps a detail already
// fetched, and clears detail_synced_at when it changes the run's state (the
// stored tasks are stale then). batch_job_id: the batch job whose runs page this is
// (GET /workflowexecution?jobId=), "" when none.
WorkflowWriteResult write_runs(pqxx::transaction_base& txn, const std::string& bucket,
                               const WorkflowRunPage& page, const std::string& batch_job_id = "");

WorkflowWriteResult write_batch_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                                     const BatchJobPage& page);

// The runs of a bucket whose detail is due: never fetched, or unfinished
// when last seen; oldest first, at most limit.
std::vector<std::string> runs_needing_detail(pqxx::transaction_base& txn, const std::string& bucket,
                                             long limit);

// Of run_ids, those stored without a current detail (never fetched, or
// their listed state changed since): their tasks are due.
std::vector<std::string> runs_without_detail(pqxx::transaction_base& txn,
                                             const std::vector<std::string>& run_ids);

// runs_needing_detail of one workflow of the bucket.
std::vector<std::string> workflow_runs_needing_detail(pqxx::transaction_base& txn,
                                                      const std::string& bucket,
                                                      const std::string& workflow_id, long limit);

// The creation time of the bucket's oldest unfinished batch job created at
// or after `since`; nullopt when there is none.
std::optional<UnixSeconds> oldest_unfinished_batch_job(pqxx::transaction_base& txn,
                                                       const std::string& bucket,
                                                       UnixSeconds since);

} // namespace workflow_store
} // namespace jobsync
