// GET /jobs (DescribeMediaJobs: filters, token paging) and GET /jobs/<ids>
// (DescribeMediaJob), with the same injected faults for both.
#include "emulator/jobs_by_id.hpp"
#include "emulator/jobs_request.hpp"
#include "emulator/page_token.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

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

// The list page's body, or the 400 the parameters earn.
std::optional<Rejection> list_jobs(const QueryParams& params, const Dataset& dataset,
                                   const TokenRules& tokens, bool strict_times, std::string& body)
{
    ListingRequest request;
    if (const auto problem = parse_jobs_request(params, dataset, strict_times, request)) {
        return Rejection{400, "InvalidArgument", *problem};
    }
    const UnixSeconds now = now_unix_seconds();
    const std::string digest = filter_digest(request.query, tokens.style);
    std::uint64_t offset = 0;
    if (auto refused = resume_offset(request.next_token, digest, tokens, now, offset)) {
        return refused;
    }
    const JobPage page =
        dataset.select_page(request.query, static_cast<std::size_t>(offset), request.size);
    std::string next_token;
    if (page.more) {
        next_token = issue_token(offset + page.xml.size(), digest, tokens, now);
    }
    body = jobs_body(page, next_token);
    return std::nullopt;
}

} // namespace

HttpResponse RequestHandler::handle_jobs(const Exchange& exchange)
{
    const FaultOptions faults = faults_.get();
    const bool by_id = exchange.request.path != "/jobs";
    return serve_with_faults(
        exchange,
        [&](std::string& body) -> std::optional<Rejection> {
            if (!by_id) {
                return list_jobs(exchange.params, dataset_, token_rules(), rules_.strict_times,
                                 body);
            }
            if (faults.refuse_by_id) { // a key without ci:DescribeMediaJob
                faults_injected_.fetch_add(1);
                return Rejection{403, "AccessDenied", "Access Denied."};
            }
            return describe_jobs_by_id(exchange.request.path, dataset_, rules_.nonexist_style,
                                       faults.refused_job_ids, body);
        },
        jobs_requests_);
}

} // namespace jobsync::emulator
