// Queue and workflow discovery for sources configured with queues =
// "discover" or workflows = "discover": an
// interface, so partition expansion can be tested without a server. The real
// one is ApiClients (api_clients.hpp), which asks CiClient::list_queues.
#pragma once

#include "jobsync/config/config.hpp"

#include <string>
#include <vector>

namespace jobsync {

class QueueLister {
public:
    virtual ~QueueLister() = default;
    // Every queue ID of the source, all categories, sorted and distinct.
    // Throws PartitionError when the service refuses or cannot be reached.
    virtual std::vector<std::string> list_queues(const SourceConfig& source) = 0;
    // Every workflow ID of the source's bucket (GET /workflow), sorted and
    // distinct. Throws as list_queues does.
    virtual std::vector<std::string> list_workflows(const SourceConfig& source) = 0;
};

} // namespace jobsync
