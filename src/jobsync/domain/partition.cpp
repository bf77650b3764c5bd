#include "jobsync/domain/partition.hpp"

namespace jobsync {

std::string Partition::label() const
{
    return bucket() + "/" + tag + "/" + (queue_id.empty() ? "*" : queue_id);
}

Partition workflow_runs_partition(const SourceConfig& source, const std::string& workflow_id)
{
    return {&source, kWorkflowRunsTag, workflow_id, PartitionKind::workflow_runs};
}

Partition batch_jobs_partition(const SourceConfig& source)
{
    return {&source, kBatchJobsTag, "", PartitionKind::batch_jobs};
}

const char* kind_name(PartitionKind kind)
{
    switch (kind) {
    case PartitionKind::workflow_runs:
        return kWorkflowRunsTag;
    case PartitionKind::batch_jobs:
        return kBatchJobsTag;
    case PartitionKind::jobs:
        break;
    }
    return "jobs";
}

PartitionKind kind_of_tag(const std::string& tag)
{
    if (tag == kWorkflowRunsTag) {
        return PartitionKind::workflow_runs;
    }
    return tag == kBatchJobsTag ? PartitionKind::batch_jobs : PartitionKind::jobs;
}

} // namespace jobsync
