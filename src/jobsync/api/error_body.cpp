#include "jobsync/api/error_body.hpp"

#include "jobsync/core/text_sanitizer.hpp"

#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <memory>

namespace jobsync {

bool parse_error_body(const std::string& body, ServiceErrorDetails& out)
{
    const std::unique_ptr<xml::Document> doc = xml::new_document();
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    std::string_view code, message, request_id;
    try {
        xml::parse(*doc, body);
        const xml::Node* root = xml::first_child_element(doc.get());
        if (root == nullptr || xml::name_of(root) != "Error") {
            return false;
        }
        code = reader.text(xml::child(root, "Code"));
        message = reader.text(xml::child(root, "Message"));
        request_id = reader.text(xml::child(root, "RequestId"));
    } catch (const rapidxml::parse_error&) {
        return false;
    }
    out.code = std::string(code);
    out.message = std::string(message);
    // Keep an id the caller took from x-ci-request-id when the body has none.
    if (!request_id.empty()) {
        out.request_id = std::string(request_id);
    }
    return true;
}

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
    if (details.request_id.empty()) {
        details.request_id = header_or_empty(response, "x-cos-request-id"); // COS hosts
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
    const auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    if (value.empty() || value.size() > 6 || !std::all_of(value.begin(), value.end(), is_digit)) {
        return -1;
    }
    return std::stol(value);
}

} // namespace jobsync
