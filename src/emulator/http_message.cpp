#include "emulator/http_message.hpp"

#include "jobsync/core/url_encode.hpp"

#include <cctype>

namespace jobsync::emulator {
namespace {

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_token(std::string_view text)
{
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127 || c == ':') {
            return false;
        }
    }
    return true;
}

// "http://host:port/jobs?x" (absolute form, used via proxies) -> "/jobs?x".
std::string_view origin_form(std::string_view target)
{
    const auto scheme = target.find("://");
    if (scheme == std::string_view::npos || target.front() == '/') {
        return target;
    }
    const auto slash = target.find('/', scheme + 3);
    return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

} // namespace

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const
{
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

bool HttpRequest::wants_keep_alive() const
{
    const auto connection = header("Connection");
    if (connection && iequals(trim(*connection), "close")) {
        return false;
    }
    if (version == "HTTP/1.0") {
        return connection && iequals(trim(*connection), "keep-alive");
    }
    return true;
}

bool parse_request_head(std::string_view head, HttpRequest& request)
{
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space + 1);
    if (first_space == std::string_view::npos || second_space == std::string_view::npos ||
        line.find(' ', second_space + 1) != std::string_view::npos) {
        return false;
    }
    request.method = std::string(line.substr(0, first_space));
    request.target = std::string(line.substr(first_space + 1, second_space - first_space - 1));
    request.version = std::string(line.substr(second_space + 1));
    if (!is_token(request.method) || request.target.empty() ||
        (request.version != "HTTP/1.1" && request.version != "HTTP/1.0")) {
        return false;
    }
    const std::string_view target = origin_form(request.target);
    if (target.empty() || target.front() != '/') {
        return false;
    }
    const auto question = target.find('?');
    request.path = url_decode(target.substr(0, question));
    request.query = question == std::string_view::npos ? "" : target.substr(question + 1);

    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string_view::npos) {
            end = head.size();
        }
        const std::string_view field = head.substr(pos, end - pos);
        pos = end + 2;
        if (field.empty()) {
            break;
        }
        const auto colon = field.find(':');
        if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) {
            return false;
        }
        request.headers.emplace_back(std::string(field.substr(0, colon)),
                                     std::string(trim(field.substr(colon + 1))));
    }
    return true;
}

const char* reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

std::string serialize_response(const HttpResponse& response, bool keep_alive)
{
    std::string out;
    out.reserve(256 + response.body.size());
    out += "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) +
           "\r\n";
    out += "Content-Type: " + response.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto& [name, value] : response.headers) {
        out += name + ": " + value + "\r\n";
    }
    out += "\r\n";
    out += response.body;
    return out;
}

} // namespace jobsync::emulator
