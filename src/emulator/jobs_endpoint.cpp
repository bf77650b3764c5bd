// GET /jobs (DescribeMediaJobs: filters, token paging) and GET /jobs/<ids>
// (DescribeMediaJob), with the same injected faults for both.
#include "emulator/jobs_by_id.hpp"
#include "emulator/jobs_request.hpp"
#include "emulator/page_token.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <chrono>
#include <functional>
#include <thread>

namespace jobsync::emulator {
namespace {

std::string jobs_body(const JobPage& page, const std::string& next_token)
{
    std::size_t size = 64 + next_token.size();
    for (const std::string& xml : page.xml) {
        size += xml.size();
    }
    std::string body;
    body.reserve(size);
    body += "<Response>";
    if (page.xml.empty()) {
        body += "<JobsDetail/>"; // the service's answer when nothing matches
    }
    for (const std::string& xml : page.xml) {
        body += xml;
    }
    body += "<NextToken>";
    append_escaped(body, next_token);
    body += "</NextToken></Response>";
    return body;
}

// What a page token is bound to and checked against.
struct TokenRules {
    const std::string& key;
    long ttl_seconds;
    TokenStyle style;
    std::function<bool()> reject; // an injected "nextToken expired"
};

// The list page's body, or the 400 the parameters earn.
std::optional<Rejection> list_jobs(const QueryParams& params, const Dataset& dataset,
                                   const TokenRules& tokens, bool strict_times, std::string& body)
{
    JobsRequest request;
    if (const auto problem = parse_jobs_request(params, dataset, strict_times, request)) {
        return Rejection{400, "InvalidArgument", *problem};
    }
    const UnixSeconds now = now_unix_seconds();
    const std::string digest = filter_digest(request.query, tokens.style);
    const bool offset_tokens = tokens.style == TokenStyle::offset; // no issue time to expire
    PageToken token;
    if (!request.next_token.empty()) {
        switch (decode_page_token(request.next_token, digest, tokens.key,
                                  offset_tokens ? 0 : tokens.ttl_seconds, now, token)) {
        case TokenCheck::invalid:
            return Rejection{400, "InvalidArgument", "invalid nextToken"};
        case TokenCheck::expired:
            return Rejection{400, "InvalidArgument", "nextToken expired"};
        case TokenCheck::ok:
            break;
        }
        if (tokens.reject()) {
            return Rejection{400, "InvalidArgument", "nextToken expired"};
        }
    }
    const JobPage page =
        dataset.select_page(request.query, static_cast<std::size_t>(token.offset), request.size);
    std::string next_token;
    if (page.more) {
        next_token = encode_page_token({token.offset + page.xml.size(), offset_tokens ? 0 : now},
                                       digest, tokens.key);
    }
    body = jobs_body(page, next_token);
    return std::nullopt;
}

} // namespace

HttpResponse RequestHandler::handle_jobs(const Exchange& exchange)
{
    const FaultOptions faults = faults_.get();
    if (faults.latency_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms));
    }
    if (auto rejected = verify(exchange)) {
        return *rejected;
    }
    const bool by_id = exchange.request.path != "/jobs";
    if (by_id && faults.refuse_by_id) {
        faults_injected_.fetch_add(1);
        return error(exchange, 403, "AccessDenied", "Access Denied.");
    }
    // A request the service would refuse is refused before any fault is drawn.
    HttpResponse response;
    const auto refused =
        !by_id ? list_jobs(exchange.params, dataset_,
                           {credentials_.secret_key, faults.token_ttl_seconds, token_style_,
                            [this] {
                                const bool reject = faults_.reject_token();
                                if (reject) {
                                    faults_injected_.fetch_add(1);
                                }
                                return reject;
                            }},
                           rules_.strict_times, response.body)
               : describe_jobs_by_id(exchange.request.path, dataset_, rules_.nonexist_style,
                                     faults.refused_job_ids, response.body);
    if (refused) {
        return error(exchange, refused->status, refused->code, refused->message);
    }

    const Fault fault = faults_.draw();
    if (fault == Fault::server_error) {
        faults_injected_.fetch_add(1);
        return error(exchange, 500, "InternalError",
                     "We encountered an internal error. Please try again.");
    }
    if (fault == Fault::throttle) {
        faults_injected_.fetch_add(1);
        HttpResponse throttled =
            error(exchange, 503, "SlowDown", "Please reduce your request rate.");
        throttled.headers.emplace_back("Retry-After", "1");
        return throttled;
    }
    if (fault == Fault::truncate) {
        faults_injected_.fetch_add(1);
        response.body.resize(response.body.size() / 2);
    }
    jobs_requests_.fetch_add(1);
    return response;
}

} // namespace jobsync::emulator
