// A partition: one listing walk with its own checkpoint row. A domain type:
// the stores (db/) and the walks (sync/) both name it. Jobs partitions are
// (bucket, tag, queue); a workflow's runs and a bucket's batch jobs are
// partitions of other kinds, keyed the same way under a reserved tag (no job
// tag is spelled so): (bucket, "workflow_runs", workflow id) and (bucket,
// "batch_jobs", "").
#pragma once

#include "jobsync/config/config.hpp"

#include <string>

namespace jobsync {

// Which listing a partition walks.
enum class PartitionKind {
    jobs,          // GET /jobs?tag=&queueId=
    workflow_runs, // GET /workflowexecution?workflowId=<queue_id>
    batch_jobs,    // GET /inventorytriggerjob
};

inline constexpr const char* kWorkflowRunsTag = "workflow_runs";
inline constexpr const char* kBatchJobsTag = "batch_jobs";

struct Partition {
    const SourceConfig* source = nullptr;
    std::string tag;      // a job tag, or the kind's reserved tag
    std::string queue_id; // "" => all queues; the workflow id of a runs partition
    PartitionKind kind = PartitionKind::jobs;

    const std::string& bucket() const { return source->bucket; }
    // "examplebucket-1250000000/Transcode/*" for logs and status;
    // ".../workflow_runs/<workflowId>", ".../batch_jobs/*".
    std::string label() const;
};

// The runs partition of one workflow, and the batch-jobs partition of a source.
Partition workflow_runs_partition(const SourceConfig& source, const std::string& workflow_id);
Partition batch_jobs_partition(const SourceConfig& source);

// "jobs", "workflow_runs" or "batch_jobs" (status --json's kind).
const char* kind_name(PartitionKind kind);

// The kind a (tag) names: the reserved tags, else jobs.
PartitionKind kind_of_tag(const std::string& tag);

} // namespace jobsync
