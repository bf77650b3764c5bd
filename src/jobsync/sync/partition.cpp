#include "jobsync/sync/partition.hpp"

#include "jobsync/api/queue_lister.hpp"
#include "jobsync/core/errors.hpp"

namespace jobsync {
namespace {

void add_job_partitions(std::vector<Partition>& partitions, const SourceConfig& source,
                        const std::vector<std::string>& queues)
{
    for (const std::string& tag : source.tags) {
        if (queues.empty()) {
            partitions.push_back({&source, tag, ""});
        }
        for (const std::string& queue : queues) {
            partitions.push_back({&source, tag, queue});
        }
    }
}

// After the source's job partitions: one per workflow, then its batch jobs.
void add_pipeline_partitions(std::vector<Partition>& partitions, const SourceConfig& source,
                             const std::vector<std::string>& workflow_ids)
{
    for (const std::string& workflow_id : workflow_ids) {
        partitions.push_back(workflow_runs_partition(source, workflow_id));
    }
    if (source.batch_jobs) {
        partitions.push_back(batch_jobs_partition(source));
    }
}

} // namespace

std::vector<Partition> expand_partitions(const Config& config)
{
    std::vector<Partition> partitions;
    for (const SourceConfig& source : config.sources) {
        if (!source.discover_queues) {
            add_job_partitions(partitions, source, source.queues);
        }
        if (!source.discover_workflows) {
            add_pipeline_partitions(partitions, source, source.workflow_ids);
        }
    }
    return partitions;
}

std::vector<Partition> expand_partitions(const Config& config, QueueLister& lister,
                                         std::vector<std::string>& errors)
{
    std::vector<Partition> partitions;
    for (const SourceConfig& source : config.sources) {
        if (!source.discover_queues) {
            add_job_partitions(partitions, source, source.queues);
        } else {
            try {
                // No queue, no job: nothing to walk.
                add_job_partitions(partitions, source, lister.list_queues(source));
            } catch (const PartitionError& e) {
                errors.push_back(source.bucket + ": queue discovery failed: " + e.what());
            }
        }
        std::vector<std::string> workflow_ids = source.workflow_ids;
        if (source.discover_workflows) {
            try {
                workflow_ids = lister.list_workflows(source);
            } catch (const PartitionError& e) {
                // The source's other partitions still walk.
                errors.push_back(source.bucket + ": workflow discovery failed: " + e.what());
            }
        }
        add_pipeline_partitions(partitions, source, workflow_ids);
    }
    return partitions;
}

} // namespace jobsync
