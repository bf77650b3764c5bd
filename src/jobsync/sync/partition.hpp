// Expanding the config into partitions: jobs (bucket x tag x queue), then a
// source's workflow runs (one per workflow) and batch jobs.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/domain/partition.hpp"

#include <string>
#include <vector>

namespace jobsync {

class QueueLister;

// Every partition of the config, in a stable order (source, tag, queue;
// then the source's workflows, then its batch jobs). Sources with queues =
// "discover" get no job partitions here, nor workflows = "discover" runs
// partitions (see below).
std::vector<Partition> expand_partitions(const Config& config);

// The same, with the queues of discovering sources listed through `lister`
// (one partition per tag and discovered queue; a queue that vanished is no
// longer walked, its jobs and checkpoint stay), and the workflows of
// workflows = "discover" sources (one runs partition each). A listing that
// fails leaves out what it would have listed and adds one line to `errors`
// ("<bucket>: <message>"); the rest is unaffected.
std::vector<Partition> expand_partitions(const Config& config, QueueLister& lister,
                                         std::vector<std::string>& errors);

} // namespace jobsync
