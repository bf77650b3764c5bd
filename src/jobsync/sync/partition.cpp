#include "jobsync/sync/partition.hpp"

#include "jobsync/api/queue_lister.hpp"
#include "jobsync/core/errors.hpp"

namespace jobsync {
namespace {

void add_source(std::vector<Partition>& partitions, const SourceConfig& source,
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

} // namespace

std::vector<Partition> expand_partitions(const Config& config)
{
    std::vector<Partition> partitions;
    for (const SourceConfig& source : config.sources) {
        if (!source.discover_queues) {
            add_source(partitions, source, source.queues);
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
            add_source(partitions, source, source.queues);
            continue;
        }
        try {
            const std::vector<std::string> queues = lister.list_queues(source);
            if (queues.empty()) {
                continue; // no queue, no job: nothing to walk
            }
            add_source(partitions, source, queues);
        } catch (const PartitionError& e) {
            errors.push_back(source.bucket + ": queue discovery failed: " + e.what());
        }
    }
    return partitions;
}

} // namespace jobsync
