// A partition: one (bucket, tag, queue) walk with its own checkpoint row.
#pragma once

#include "jobsync/config.hpp"

#include <string>
#include <vector>

namespace jobsync {

struct Partition {
    const SourceConfig* source = nullptr;
    std::string tag;
    std::string queue_id; // "" => all queues

    const std::string& bucket() const { return source->bucket; }
    // "examplebucket-1250000000/Transcode/*" for logs and status.
    std::string label() const;
};

// Every partition of the config, in a stable order (source, tag, queue).
std::vector<Partition> expand_partitions(const Config& config);

} // namespace jobsync
