// A partition: one (bucket, tag, queue) walk with its own checkpoint row.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/domain/partition.hpp"

#include <string>
#include <vector>

namespace jobsync {

class QueueLister;

// Every partition of the config, in a stable order (source, tag, queue).
// Sources with queues = "discover" get no partitions here (see below).
std::vector<Partition> expand_partitions(const Config& config);

// The same, with the queues of discovering sources listed through `lister`
// (one partition per tag and discovered queue; a queue that vanished is no
// longer walked, its jobs and checkpoint stay). A source whose listing fails
// gets no partitions and one line in `errors` ("<bucket>: <message>"); the
// other sources are unaffected.
std::vector<Partition> expand_partitions(const Config& config, QueueLister& lister,
                                         std::vector<std::string>& errors);

} // namespace jobsync
