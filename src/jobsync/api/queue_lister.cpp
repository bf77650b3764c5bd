#include "jobsync/api/queue_lister.hpp"

#include "jobsync/core/api_time.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/url_encode.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

namespace jobsync {
namespace {

constexpr long kPageSize = 100;
constexpr long kMaxPages = 1000; // a service that never says "last page" cannot loop us forever
constexpr int kMaxAttempts = 3;

long number_of(xml::TextReader& reader, const xml::Node* root, std::string_view name)
{
    const std::string_view text = reader.text(xml::child(root, name));
    long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        throw PartitionError("GET /queue: " + std::string(name) + " '" + std::string(text) +
                             "' is not a number");
    }
    return value;
}

std::vector<std::string> auth_headers(const SourceConfig& source, const QueryParams& params)
{
    const UnixSeconds start = now_unix_seconds() - 60; // tolerate modest clock skew
    const std::string key_time = std::to_string(start) + ";" + std::to_string(start + 960);
    const Credentials& credentials = source.credentials;
    SigningRequest request{"GET", "/queue", params, {{"Host", source.host}}};
    std::vector<std::string> lines{"Host: " + source.host};
    if (!credentials.security_token.empty()) {
        request.headers.emplace_back("x-ci-security-token", credentials.security_token);
        lines.push_back("x-ci-security-token: " + credentials.security_token);
    }
    lines.push_back("Authorization: " +
                    sign_request(request, credentials.secret_id, credentials.secret_key, key_time));
    return lines;
}

} // namespace

QueuePage parse_queue_page(const std::string& body)
{
    const auto doc = xml::new_document();
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    QueuePage page;
    try {
        xml::parse<rapidxml::parse_non_destructive>(*doc, body);
        const xml::Node* root = xml::first_child_element(doc.get());
        if (root == nullptr || xml::name_of(root) != "Response") {
            throw PartitionError("GET /queue: response root is not <Response>");
        }
        page.total_count = number_of(reader, root, "TotalCount");
        page.page_number = number_of(reader, root, "PageNumber");
        page.page_size = number_of(reader, root, "PageSize");
        for (const xml::Node* q = xml::child(root, "QueueList"); q; q = xml::next_same(q)) {
            const std::string_view id = reader.text(xml::child(q, "QueueId"));
            if (!id.empty()) {
                page.queue_ids.emplace_back(id);
            }
        }
    } catch (const rapidxml::parse_error& e) {
        throw PartitionError(std::string("GET /queue: malformed XML: ") + e.what());
    }
    return page;
}

QueuePage HttpQueueLister::fetch_page(const SourceConfig& source, long page_number)
{
    const QueryParams params{{"category", "CateAll"},
                             {"pageNumber", std::to_string(page_number)},
                             {"pageSize", std::to_string(kPageSize)}};
    std::string url = source.endpoint + "/queue?";
    for (const auto& [name, value] : params) {
        url += (url.back() == '?' ? "" : "&") + url_encode(name) + "=" + url_encode(value);
    }
    for (int attempt = 1;; ++attempt) {
        std::string failure;
        try {
            const HttpResponse response = http_.get(url, auth_headers(source, params));
            if (response.status == 200) {
                return parse_queue_page(response.body);
            }
            ServiceErrorDetails details;
            if (!parse_error_body(response.body, details)) {
                details.message = "HTTP error without a CI error body";
            }
            details.http_status = response.status;
            if (response.status < 500 && response.status != 429) {
                throw PartitionError("GET /queue: " + details.describe(), details);
            }
            failure = details.describe();
        } catch (const RetryableError& e) {
            failure = e.what();
        }
        if (attempt >= kMaxAttempts) {
            throw PartitionError("GET /queue: giving up after " + std::to_string(attempt) +
                                 " attempts: " + failure);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500L * attempt));
    }
}

std::vector<std::string> HttpQueueLister::list_queues(const SourceConfig& source)
{
    std::vector<std::string> ids;
    for (long number = 1; number <= kMaxPages; ++number) {
        const QueuePage page = fetch_page(source, number);
        ids.insert(ids.end(), page.queue_ids.begin(), page.queue_ids.end());
        // Page-number paging: done once this page reaches TotalCount.
        if (page.queue_ids.empty() || page.page_number * page.page_size >= page.total_count) {
            break;
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

} // namespace jobsync
