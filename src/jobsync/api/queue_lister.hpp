// Queue discovery: GET /queue (DescribeMediaQueues), paged by page number,
// for sources configured with queues = "discover".
#pragma once

#include "jobsync/api/http_client.hpp"
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
};

// One page of a /queue response.
struct QueuePage {
    std::vector<std::string> queue_ids;
    long total_count = 0, page_number = 0, page_size = 0;
};

// Parses a /queue <Response>; throws PartitionError when it is not one.
QueuePage parse_queue_page(const std::string& body);

// The real lister: signed requests with the source's credentials, a few
// retries for network errors, 5xx and throttling.
class HttpQueueLister : public QueueLister {
public:
    explicit HttpQueueLister(HttpOptions options) : http_(options) {}
    std::vector<std::string> list_queues(const SourceConfig& source) override;

private:
    QueuePage fetch_page(const SourceConfig& source, long page_number);

    HttpClient http_;
};

} // namespace jobsync
