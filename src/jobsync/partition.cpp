#include "jobsync/partition.hpp"

namespace jobsync {

std::string Partition::label() const
{
    return bucket() + "/" + tag + "/" + (queue_id.empty() ? "*" : queue_id);
}

std::vector<Partition> expand_partitions(const Config& config)
{
    std::vector<Partition> partitions;
    for (const SourceConfig& source : config.sources) {
        for (const std::string& tag : source.tags) {
            if (source.queues.empty()) {
                partitions.push_back({&source, tag, ""});
            }
            for (const std::string& queue : source.queues) {
                partitions.push_back({&source, tag, queue});
            }
        }
    }
    return partitions;
}

} // namespace jobsync
