// One page of a GET /queue (DescribeMediaQueues) response.
#pragma once

#include <string>
#include <vector>

namespace jobsync {

struct QueuePage {
    std::vector<std::string> queue_ids;
    long total_count = 0, page_number = 0, page_size = 0; // as the server says: not trusted
};

// Parses a /queue <Response>. Throws RetryableError when the body is not
// well-formed XML (a truncated transfer), PartitionError when it is not a
// <Response> or a count is not a number.
QueuePage parse_queue_page(const std::string& body);

} // namespace jobsync
