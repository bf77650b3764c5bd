// GET /queue (DescribeMediaQueues) over the queue ids the dataset's jobs use.
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>

namespace jobsync::emulator {
namespace {

void append_queue(std::string& body, const std::string& queue_id)
{
    body += "<QueueList>";
    append_element(body, "QueueId", queue_id);
    append_element(body, "Name", "queue-" + queue_id.substr(queue_id.empty() ? 0 : 1, 8));
    append_element(body, "State", "Active");
    append_element(body, "MaxSize", "10000");
    append_element(body, "MaxConcurrent", "10");
    append_element(body, "UpdateTime", "2023-12-01T10:00:00+0800");
    append_element(body, "CreateTime", "2023-12-01T10:00:00+0800");
    append_element(body, "Category", "Transcoding");
    body += "</QueueList>";
}

} // namespace

HttpResponse RequestHandler::handle_queue(const Exchange& exchange)
{
    if (auto rejected = verify(exchange)) {
        return *rejected;
    }
    const QueryParams& params = exchange.params;
    const auto page_number = positive(find_param(params, "pageNumber"), 1, 1000000);
    const auto page_size = positive(find_param(params, "pageSize"), 10, 100);
    if (!page_number || !page_size) {
        return error(exchange, 400, "InvalidArgument",
                     "pageNumber must be >= 1 and pageSize between 1 and 100");
    }
    const std::string* state = find_param(params, "state");
    const std::string* category = find_param(params, "category");
    if (!is_one_of(state, {"All", "Active", "Paused"}) ||
        !is_one_of(category, {"CateAll", "Transcoding", "SpeedTranscoding"})) {
        return error(exchange, 400, "InvalidArgument", "invalid state or category");
    }

    std::vector<std::string> queues = dataset_.queue_ids();
    std::vector<std::string> missing;
    if (const std::string* ids = find_param(params, "queueIds"); ids && !ids->empty()) {
        const std::vector<std::string> wanted = split_list(*ids, ',');
        if (wanted.size() > 10) {
            return error(exchange, 400, "InvalidArgument", "at most 10 queueIds");
        }
        std::vector<std::string> found;
        for (const std::string& id : wanted) {
            const bool known = std::binary_search(queues.begin(), queues.end(), id);
            (known ? found : missing).push_back(id);
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
        queues = std::move(found);
    }
    // Every emulated queue is an active transcoding queue.
    if ((state && *state == "Paused") || (category && *category == "SpeedTranscoding")) {
        queues.clear();
    }

    const auto total = static_cast<long>(queues.size());
    const long first = (*page_number - 1) * *page_size;
    HttpResponse response;
    std::string& body = response.body;
    body = "<Response>";
    append_element(body, "RequestId", exchange.request_id);
    append_element(body, "TotalCount", std::to_string(total));
    append_element(body, "PageNumber", std::to_string(*page_number));
    append_element(body, "PageSize", std::to_string(*page_size));
    for (long i = first; i < total && i < first + *page_size; ++i) {
        append_queue(body, queues[static_cast<std::size_t>(i)]);
    }
    for (const std::string& id : missing) {
        append_element(body, "NonExistPIDs", id);
    }
    body += "</Response>";
    return response;
}

} // namespace jobsync::emulator
