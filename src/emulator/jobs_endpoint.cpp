// GET /jobs (DescribeMediaJobs): filters, token paging and injected faults.
#include "emulator/jobs_request.hpp"
#include "emulator/page_token.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <chrono>
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
    JobsRequest request;
    if (const auto problem = parse_jobs_request(exchange.params, dataset_, request)) {
        return error(exchange, 400, "InvalidArgument", *problem);
    }
    const UnixSeconds now = now_unix_seconds();
    const std::string digest = filter_digest(request.query, token_style_);
    const bool offset_tokens = token_style_ == TokenStyle::offset; // no issue time to expire
    PageToken token;
    if (!request.next_token.empty()) {
        switch (decode_page_token(request.next_token, digest, credentials_.secret_key,
                                  offset_tokens ? 0 : faults.token_ttl_seconds, now, token)) {
        case TokenCheck::invalid:
            return error(exchange, 400, "InvalidArgument", "invalid nextToken");
        case TokenCheck::expired:
            return error(exchange, 400, "InvalidArgument", "nextToken expired");
        case TokenCheck::ok:
            break;
        }
        if (faults_.reject_token()) {
            faults_injected_.fetch_add(1);
            return error(exchange, 400, "InvalidArgument", "nextToken expired");
        }
    }

    const Fault fault = faults_.draw();
    if (fault == Fault::server_error) {
        faults_injected_.fetch_add(1);
        return error(exchange, 500, "InternalError",
                     "We encountered an internal error. Please try again.");
    }
    if (fault == Fault::throttle) {
        faults_injected_.fetch_add(1);
        HttpResponse response =
            error(exchange, 503, "SlowDown", "Please reduce your request rate.");
        response.headers.emplace_back("Retry-After", "1");
        return response;
    }

    const JobPage page =
        dataset_.select_page(request.query, static_cast<std::size_t>(token.offset), request.size);
    std::string next_token;
    if (page.more) {
        next_token = encode_page_token({token.offset + page.xml.size(), offset_tokens ? 0 : now},
                                       digest, credentials_.secret_key);
    }
    HttpResponse response;
    response.body = jobs_body(page, next_token);
    if (fault == Fault::truncate) {
        faults_injected_.fetch_add(1);
        response.body.resize(response.body.size() / 2);
    }
    jobs_requests_.fetch_add(1);
    return response;
}

} // namespace jobsync::emulator
