#include "jobsync/api/ci_client.hpp"

#include "jobsync/api/error_body.hpp"
#include "jobsync/api/queue_page.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/core/url_encode.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

namespace jobsync {
namespace {

// Signatures are back-dated a little and valid for 15 minutes, so modest
// clock skew and slow requests still verify.
constexpr long kSignBackdateSeconds = 60;
constexpr long kSignValiditySeconds = 900;

constexpr long kQueuePageSize = 100;

std::string build_query_string(const QueryParams& params)
{
    std::string query;
    for (const auto& [name, value] : params) {
        query += query.empty() ? "" : "&";
        query += url_encode(name) + "=" + url_encode(value);
    }
    return query;
}

// Runs a parser on a 200 body; failures name the request and its RequestId.
// An empty body is retryable (a cut connection), as is malformed XML.
template <class Parse> void parse_body(const std::string& what, HttpResponse& response, Parse parse)
{
    const std::string request_id = header_or_empty(response, "x-ci-request-id");
    const std::string suffix = request_id.empty() ? "" : " (RequestId " + request_id + ")";
    if (response.body.empty()) {
        throw RetryableError(what + ": empty 200 response" + suffix);
    }
    try {
        parse(response);
    } catch (const RetryableError& e) {
        throw RetryableError(what + ": " + e.what() + suffix);
    } catch (const PartitionError& e) {
        throw PartitionError(what + ": " + e.what() + suffix);
    }
}

// The decoded path as it goes on the wire: each segment percent-encoded.
std::string encode_path(const std::string& path)
{
    std::string encoded;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        encoded += url_encode(std::string_view(path).substr(start, slash - start));
        if (slash < path.size()) {
            encoded += '/';
        }
        start = slash + 1;
    }
    return encoded;
}

// An object's COS host; with [audit] endpoint set, requests go there instead
// and carry the COS host as Host (a proxy, the emulator).
RequestTarget cos_target(const ObjectAddress& object, const std::string& endpoint)
{
    RequestTarget target;
    target.host = cos_host(object.bucket, object.region);
    target.endpoint = endpoint.empty() ? "https://" + target.host : endpoint;
    target.path = "/" + object.key;
    target.wire_path = encode_path(target.path);
    target.token_header = "x-cos-security-token";
    return target;
}

// The window and the continuation token, spelled alike by every listing.
void add_position_params(QueryParams& params, const std::optional<UnixSeconds>& start,
                         const std::optional<UnixSeconds>& end, const std::string& next_token)
{
    if (start) {
        params.emplace_back("startCreationTime", format_api_time(*start));
    }
    if (end) {
        params.emplace_back("endCreationTime", format_api_time(*end));
    }
    if (!next_token.empty()) {
        params.emplace_back("nextToken", next_token);
    }
}

} // namespace

QueryParams build_list_jobs_params(const ListJobsQuery& query)
{
    QueryParams params{{"tag", query.tag},
                       {"orderByTime", query.newest_first ? "Desc" : "Asc"},
                       {"states", "All"},
                       {"size", std::to_string(query.size)}};
    if (!query.queue_id.empty()) {
        params.emplace_back("queueId", query.queue_id);
    } else if (!query.queue_type.empty()) {
        params.emplace_back("queueType", query.queue_type);
    }
    add_position_params(params, query.start_creation_time, query.end_creation_time,
                        query.next_token);
    return params;
}

QueryParams build_listing_params(const ListingQuery& query)
{
    QueryParams params{{"orderByTime", "Asc"}, {"size", std::to_string(query.size)}};
    if (!query.workflow_id.empty()) {
        params.emplace_back("workflowId", query.workflow_id);
    }
    add_position_params(params, query.start_creation_time, query.end_creation_time,
                        query.next_token);
    return params;
}

CiClient::CiClient(const SourceConfig& source, HttpOptions http, RetryPolicy retry)
    : source_(source), http_(http), retry_(retry), jitter_(std::random_device{}())
{
}

void CiClient::set_stop(StopToken stop)
{
    stop_ = stop;
    http_.set_stop(stop);
}

JobsPage CiClient::list_jobs(const ListJobsQuery& query)
{
    const std::string what =
        "GET /jobs tag=" + query.tag + (query.queue_id.empty() ? "" : " queueId=" + query.queue_id);
    JobsPage page;
    request(ci_target("/jobs", build_list_jobs_params(query)), what, [&](HttpResponse& response) {
        parse_body(what, response,
                   [&](HttpResponse& r) { page = parse_jobs_page(std::move(r.body)); });
    });
    return page;
}

std::vector<std::string> CiClient::list_queues()
{
    std::set<std::string> ids;
    long listed = 0; // ids received, duplicates included, against TotalCount
    for (long number = 1; number <= kMaxQueuePages; ++number) {
        const std::string what = "GET /queue pageNumber=" + std::to_string(number);
        QueuePage page;
        request(ci_target("/queue", {{"category", "CateAll"},
                                     {"pageNumber", std::to_string(number)},
                                     {"pageSize", std::to_string(kQueuePageSize)}}),
                what, [&](HttpResponse& response) {
                    parse_body(what, response,
                               [&](HttpResponse& r) { page = parse_queue_page(r.body); });
                });
        ids.insert(page.queue_ids.begin(), page.queue_ids.end());
        if (ids.size() > kMaxDiscoveredQueues) {
            throw PartitionError("GET /queue: more than " + std::to_string(kMaxDiscoveredQueues) +
                                 " queues (TotalCount " + std::to_string(page.total_count) + ")");
        }
        // Done when a page is empty or the ids received reach TotalCount;
        // the server's PageNumber and PageSize are not used.
        listed += static_cast<long>(page.queue_ids.size());
        if (page.queue_ids.empty() || listed >= page.total_count) {
            return {ids.begin(), ids.end()};
        }
    }
    throw PartitionError("GET /queue: the listing did not end within " +
                         std::to_string(kMaxQueuePages) + " pages");
}

std::vector<std::string>
CiClient::list_workflows(const std::function<void(const WorkflowPage&)>& on_page)
{
    std::set<std::string> ids;
    long listed = 0; // ids received, duplicates included, against TotalCount
    for (long number = 1; number <= kMaxWorkflowPages; ++number) {
        const std::string what = "GET /workflow pageNumber=" + std::to_string(number);
        WorkflowPage page;
        request(ci_target("/workflow", {{"pageNumber", std::to_string(number)},
                                        {"pageSize", std::to_string(kQueuePageSize)}}),
                what, [&](HttpResponse& response) {
                    parse_body(what, response, [&](HttpResponse& r) {
                        page = parse_workflow_page(std::move(r.body));
                    });
                });
        for (const WorkflowRecord& workflow : page.records) {
            ids.emplace(workflow.workflow_id);
        }
        if (ids.size() > kMaxDiscoveredWorkflows) {
            throw PartitionError("GET /workflow: more than " +
                                 std::to_string(kMaxDiscoveredWorkflows) + " workflows");
        }
        if (on_page) {
            on_page(page);
        }
        // As for queues: done when a page is empty or the ids received
        // reach TotalCount (absent: the first empty page).
        const long items = static_cast<long>(page.records.size() + page.rejected.size());
        listed += items;
        if (items == 0 || (page.total_count && listed >= *page.total_count)) {
            return {ids.begin(), ids.end()};
        }
    }
    throw PartitionError("GET /workflow: the listing did not end within " +
                         std::to_string(kMaxWorkflowPages) + " pages");
}

WorkflowRunPage CiClient::list_workflow_runs(const ListingQuery& query)
{
    const std::string what = "GET /workflowexecution workflowId=" + query.workflow_id;
    WorkflowRunPage page;
    request(ci_target("/workflowexecution", build_listing_params(query)), what,
            [&](HttpResponse& response) {
                parse_body(what, response, [&](HttpResponse& r) {
                    page = parse_workflow_run_page(std::move(r.body));
                });
            });
    return page;
}

BatchJobPage CiClient::list_batch_jobs(const ListingQuery& query)
{
    const std::string what = "GET /inventorytriggerjob";
    BatchJobPage page;
    request(ci_target("/inventorytriggerjob", build_listing_params(query)), what,
            [&](HttpResponse& response) {
                parse_body(what, response, [&](HttpResponse& r) {
                    page = parse_batch_job_page(std::move(r.body));
                });
            });
    return page;
}

JobsById CiClient::describe_jobs(const std::vector<std::string>& job_ids)
{
    JobsById result;
    std::vector<std::string> sendable;
    for (const std::string& id : job_ids) {
        if (is_plain_job_id(id)) {
            sendable.push_back(id);
        } else {
            log_info("job id cannot go in a GET /jobs/<ids> path; not asked for by id",
                     {{"job_id", id}});
            result.refused_ids.push_back(id);
        }
    }
    const auto size = static_cast<std::size_t>(ids_per_request_);
    for (std::size_t next = 0; next < sendable.size(); next += size) {
        const std::size_t count = std::min(sendable.size() - next, size);
        const std::vector<std::string> batch(sendable.begin() + static_cast<long>(next),
                                             sendable.begin() + static_cast<long>(next + count));
        const std::vector<RefusedId> refused = send_bisecting(
            batch, [&](const std::vector<std::string>& ids) { describe_batch(ids, result); });
        for (const RefusedId& id : refused) {
            log_warn("the service refused a job id asked for alone; skipped",
                     {{"job_id", id.id}, {"error", id.error}});
            result.refused_ids.push_back(id.id);
        }
    }
    return result;
}

void CiClient::describe_batch(const std::vector<std::string>& batch, JobsById& result)
{
    const std::string what = "GET /jobs/<" + std::to_string(batch.size()) + " ids>";
    request(ci_target("/jobs/" + join_job_ids(batch)), what, [&](HttpResponse& response) {
        parse_body(what, response, [&](HttpResponse& r) {
            JobsByIdPage answer = parse_jobs_by_id(std::move(r.body));
            result.pages.push_back(std::move(answer.page));
            result.non_existent_ids.insert(result.non_existent_ids.end(),
                                           answer.non_existent_ids.begin(),
                                           answer.non_existent_ids.end());
        });
    });
}

WorkflowRunPage CiClient::describe_workflow_run(const std::string& run_id)
{
    if (!is_plain_job_id(run_id)) {
        throw PartitionError("workflow run id '" + sanitize_text(run_id, TextForm::line, 128) +
                             "' cannot go in a GET /workflowexecution/<RunId> path (letters, "
                             "digits, '-' and '_' only); not asked for");
    }
    const std::string what = "GET /workflowexecution/" + run_id;
    WorkflowRunPage page;
    request(ci_target("/workflowexecution/" + run_id), what, [&](HttpResponse& response) {
        parse_body(what, response,
                   [&](HttpResponse& r) { page = parse_workflow_run_detail(std::move(r.body)); });
    });
    return page;
}

RequestTarget CiClient::ci_target(std::string path, QueryParams params) const
{
    RequestTarget target;
    target.endpoint = source_.endpoint;
    target.host = source_.host;
    target.path = std::move(path);
    target.params = std::move(params);
    return target;
}

ObjectHead CiClient::head_object(const ObjectAddress& object, const std::string& endpoint)
{
    RequestTarget target = cos_target(object, endpoint);
    target.method = "HEAD";
    target.answers = {403, 404};
    ObjectHead head;
    request(target, "HEAD " + object.bucket + "/" + object.key,
            [&](HttpResponse& response) { head = read_object_head(response); });
    return head;
}

std::string CiClient::object_md5(const ObjectAddress& object, const std::string& endpoint)
{
    RequestTarget target = cos_target(object, endpoint);
    target.params = {{"ci-process", "filehash"}, {"type", "md5"}};
    const std::string what = "GET " + object.bucket + "/" + object.key + "?ci-process=filehash";
    std::string md5;
    request(target, what, [&](HttpResponse& response) {
        parse_body(what, response, [&](HttpResponse& r) { md5 = parse_filehash_md5(r.body); });
    });
    return md5;
}

void CiClient::request(const RequestTarget& target, const std::string& what,
                       const std::function<void(HttpResponse&)>& accept)
{
    const std::string url = target.endpoint +
                            (target.wire_path.empty() ? target.path : target.wire_path) +
                            (target.params.empty() ? "" : "?" + build_query_string(target.params));
    const auto started = std::chrono::steady_clock::now();
    bool clock_corrected = false;

    for (int attempt = 1;; ++attempt) {
        if (stop_.stopped()) {
            throw RunError("interrupted");
        }
        if (limiter_ != nullptr && !limiter_->acquire(stop_)) {
            throw RunError("interrupted");
        }
        std::string failure;
        ServiceErrorDetails last_details;
        long retry_after = -1;
        try {
            HttpResponse response =
                http_.send(target.method, url, signed_headers(target), bodies_.take());
            ++counters_.requests;
            if (response.status == 200 || std::find(target.answers.begin(), target.answers.end(),
                                                    response.status) != target.answers.end()) {
                accept(response);
                return;
            }
            const ServiceErrorDetails details = error_details(response);
            if (is_clock_error(details) && !clock_corrected) {
                clock_corrected = true;
                learn_clock_offset(response);
                --attempt; // a clock correction is not a failed attempt
                continue;
            }
            if (response.status >= 500 || response.status == 429) {
                throw RetryableError(what + ": " + details.describe(), details,
                                     parse_retry_after(response));
            }
            throw PartitionError(what + ": " + details.describe(), details);
        } catch (const RetryableError& e) {
            failure = e.what();
            last_details = e.details();
            retry_after = e.retry_after_seconds();
            if (attempt >= retry_.max_attempts) {
                throw PartitionError("giving up after " + std::to_string(attempt) +
                                         " attempts: " + failure,
                                     last_details);
            }
        }
        const long delay_ms = backoff_ms(attempt, retry_after);
        // The time budget (sync.retry_max_time) bounds the waits too: a wait
        // that would end past it is not worth starting.
        const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started)
                                   .count();
        if (waited_ms + delay_ms > retry_.max_total_seconds * 1000) {
            throw PartitionError(
                "giving up after " + std::to_string(attempt) +
                    " attempts (sync.retry_max_time would be exceeded): " + failure,
                last_details);
        }
        log_warn("retrying request", {{"request", what},
                                      {"attempt", std::to_string(attempt)},
                                      {"delay_ms", std::to_string(delay_ms)},
                                      {"error", failure}});
        ++counters_.retries;
        pause(delay_ms);
    }
}

// Full jitter: uniform in [0, min(max_delay, base * 2^attempt)], but never
// shorter than the server's Retry-After.
long CiClient::backoff_ms(int attempt, long retry_after_seconds)
{
    const long ceiling =
        std::min(retry_.max_delay_ms, retry_.base_delay_ms << std::min(attempt, 20));
    const long delay_ms = std::uniform_int_distribution<long>(0, ceiling)(jitter_);
    return retry_after_seconds >= 0 ? std::max(delay_ms, retry_after_seconds * 1000) : delay_ms;
}

std::vector<std::string> CiClient::signed_headers(const RequestTarget& target) const
{
    const UnixSeconds start = now_unix_seconds() + clock_offset_seconds_ - kSignBackdateSeconds;
    const std::string key_time =
        std::to_string(start) + ";" +
        std::to_string(start + kSignBackdateSeconds + kSignValiditySeconds);
    SigningRequest request{target.method, target.path, target.params, {{"Host", target.host}}};
    const Credentials& credentials = source_.credentials;
    if (!credentials.security_token.empty()) {
        request.headers.emplace_back(target.token_header, credentials.security_token);
    }
    std::vector<std::string> lines{
        "Host: " + target.host, "Authorization: " + sign_request(request, credentials.secret_id,
                                                                 credentials.secret_key, key_time)};
    if (!credentials.security_token.empty()) {
        lines.push_back(target.token_header + ": " + credentials.security_token);
    }
    return lines;
}

void CiClient::learn_clock_offset(const HttpResponse& response)
{
    const auto server_time = parse_http_date(header_or_empty(response, "date"));
    if (server_time) {
        clock_offset_seconds_ = *server_time - now_unix_seconds();
        log_warn("clock skew: adjusting request signatures to the server's Date",
                 {{"offset_seconds", std::to_string(clock_offset_seconds_)}});
    }
}

void CiClient::pause(long delay_ms)
{
    if (sleeper_) {
        sleeper_(delay_ms);
        return;
    }
    if (!stop_.sleep_for(std::chrono::milliseconds(delay_ms))) {
        throw RunError("interrupted");
    }
}

} // namespace jobsync
