#include "jobsync/api/ci_client.hpp"

#include "jobsync/core/cos_signer.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/core/url_encode.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace jobsync {
namespace {

// Signatures are back-dated a little and valid for 15 minutes, so modest
// clock skew and slow requests still verify.
constexpr long kSignBackdateSeconds = 60;
constexpr long kSignValiditySeconds = 900;

std::string build_query_string(const QueryParams& params)
{
    std::string query;
    for (const auto& [name, value] : params) {
        query += query.empty() ? "" : "&";
        query += url_encode(name) + "=" + url_encode(value);
    }
    return query;
}

// The first bytes of a body that is not a CI error document, made printable.
std::string body_excerpt(const std::string& body)
{
    return sanitize_text(body, TextForm::line, 160);
}

std::string header_or_empty(const HttpResponse& response, const std::string& name)
{
    const auto found = response.headers.find(name);
    return found == response.headers.end() ? "" : found->second;
}

ServiceErrorDetails error_details(const HttpResponse& response)
{
    ServiceErrorDetails details;
    if (!parse_error_body(response.body, details)) {
        const std::string type = header_or_empty(response, "content-type");
        details.message = response.body.empty()
                              ? "empty body"
                              : "non-XML body (" + (type.empty() ? "no content type" : type) +
                                    "): " + body_excerpt(response.body);
    }
    details.http_status = response.status;
    if (details.request_id.empty()) {
        details.request_id = header_or_empty(response, "x-ci-request-id");
    }
    return details;
}

bool is_clock_error(const ServiceErrorDetails& details)
{
    return details.http_status == 403 &&
           (details.code == "RequestTimeTooSkewed" ||
            details.message.find("Request has expired") != std::string::npos);
}

long parse_retry_after(const HttpResponse& response)
{
    const std::string value = header_or_empty(response, "retry-after");
    if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit) || value.size() > 6) {
        return -1;
    }
    return std::stol(value);
}

// A 200 body as a page; failures name the request and its RequestId. A
// truncated or empty body is retryable, a well-formed wrong one is not.
// Takes the body: the page parses it where it was received.
JobsPage parse_page(const std::string& what, HttpResponse& response)
{
    const std::string request_id = header_or_empty(response, "x-ci-request-id");
    const std::string suffix = request_id.empty() ? "" : " (RequestId " + request_id + ")";
    if (response.body.empty()) {
        throw RetryableError(what + ": empty 200 response" + suffix);
    }
    try {
        return parse_jobs_page(std::move(response.body));
    } catch (const RetryableError& e) {
        throw RetryableError(what + ": " + e.what() + suffix);
    } catch (const PartitionError& e) {
        throw PartitionError(what + ": " + e.what() + suffix);
    }
}

} // namespace

QueryParams build_list_jobs_params(const ListJobsQuery& query)
{
    QueryParams params{{"tag", query.tag},
                       {"orderByTime", "Asc"},
                       {"states", "All"},
                       {"size", std::to_string(query.size)}};
    if (!query.queue_id.empty()) {
        params.emplace_back("queueId", query.queue_id);
    } else if (!query.queue_type.empty()) {
        params.emplace_back("queueType", query.queue_type);
    }
    if (query.start_creation_time) {
        params.emplace_back("startCreationTime", format_api_time(*query.start_creation_time));
    }
    if (query.end_creation_time) {
        params.emplace_back("endCreationTime", format_api_time(*query.end_creation_time));
    }
    if (!query.next_token.empty()) {
        params.emplace_back("nextToken", query.next_token);
    }
    return params;
}

CiClient::CiClient(const SourceConfig& source, HttpOptions http, RetryPolicy retry)
    : source_(source), http_(http), retry_(retry), jitter_(std::random_device{}())
{
}

void CiClient::set_abort_flag(const std::atomic<bool>* flag)
{
    abort_flag_ = flag;
    http_.set_abort_flag(flag);
}

JobsPage CiClient::list_jobs(const ListJobsQuery& query)
{
    const QueryParams params = build_list_jobs_params(query);
    const std::string url = source_.endpoint + "/jobs?" + build_query_string(params);
    const std::string what =
        "GET /jobs tag=" + query.tag + (query.queue_id.empty() ? "" : " queueId=" + query.queue_id);
    const auto started = std::chrono::steady_clock::now();
    bool clock_corrected = false;

    for (int attempt = 1;; ++attempt) {
        if (abort_flag_ != nullptr && abort_flag_->load()) {
            throw RunError("interrupted");
        }
        if (limiter_ != nullptr && !limiter_->acquire(abort_flag_)) {
            throw RunError("interrupted");
        }
        long retry_after = -1;
        std::string failure;
        ServiceErrorDetails last_details;
        try {
            HttpResponse response = http_.get(url, signed_headers("/jobs", params), bodies_.take());
            ++counters_.requests;
            if (response.status == 200) {
                return parse_page(what, response);
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
                                     e.details());
            }
        }
        const long ceiling =
            std::min(retry_.max_delay_ms, retry_.base_delay_ms << std::min(attempt, 20));
        long delay_ms = std::uniform_int_distribution<long>(0, ceiling)(jitter_);
        if (retry_after >= 0) {
            delay_ms = std::max(delay_ms, retry_after * 1000);
        }
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

std::vector<std::string> CiClient::signed_headers(const std::string& path,
                                                  const QueryParams& params) const
{
    const UnixSeconds start = now_unix_seconds() + clock_offset_seconds_ - kSignBackdateSeconds;
    const std::string key_time =
        std::to_string(start) + ";" +
        std::to_string(start + kSignBackdateSeconds + kSignValiditySeconds);
    SigningRequest request{"GET", path, params, {{"Host", source_.host}}};
    const Credentials& credentials = source_.credentials;
    if (!credentials.security_token.empty()) {
        request.headers.emplace_back("x-ci-security-token", credentials.security_token);
    }
    std::vector<std::string> lines{"Host: " + source_.host,
                                   "Authorization: " + sign_request(request, credentials.secret_id,
                                                                    credentials.secret_key,
                                                                    key_time)};
    if (!credentials.security_token.empty()) {
        lines.push_back("x-ci-security-token: " + credentials.security_token);
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
    // Sleep in slices so SIGTERM stops a long backoff promptly.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (abort_flag_ != nullptr && abort_flag_->load()) {
            throw RunError("interrupted");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(delay_ms, 100)));
    }
}

} // namespace jobsync
