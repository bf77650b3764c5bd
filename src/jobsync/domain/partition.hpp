// A partition: one (bucket, tag, queue) walk with its own checkpoint row. A
// domain type: the stores (db/) and the walks (sync/) both name it.
#pragma once

#include "jobsync/config/config.hpp"

#include <string>

namespace jobsync {

struct Partition {
    const SourceConfig* source = nullptr;
    std::string tag;
    std::string queue_id; // "" => all queues

    const std::string& bucket() const { return source->bucket; }
    // "examplebucket-1250000000/Transcode/*" for logs and status.
    std::string label() const;
};

} // namespace jobsync
