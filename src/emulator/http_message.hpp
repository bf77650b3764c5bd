// HTTP/1.1 requests and responses as the emulator's handlers see them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobsync::emulator {

using HeaderFields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;   // as sent, e.g. "GET"
    std::string target;   // request target as sent
    std::string path;     // decoded path, e.g. "/jobs"
    std::string query;    // raw query string after '?', undecoded
    std::string version;  // "HTTP/1.1"
    HeaderFields headers; // names as sent
    bool from_loopback = false;

    // First header with this name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    // HTTP/1.1 default keep-alive; HTTP/1.0 only with "Connection: keep-alive".
    bool wants_keep_alive() const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/xml";
    HeaderFields headers; // extra headers, beyond the ones every response has
    std::string body;
};

bool iequals(std::string_view a, std::string_view b);

// Parses the request line and headers (the text before the blank line).
// Returns false on a malformed head.
bool parse_request_head(std::string_view head, HttpRequest& request);

// Status line, headers (Content-Type, Content-Length, Connection, extras) and body.
std::string serialize_response(const HttpResponse& response, bool keep_alive);

const char* reason_phrase(int status);

} // namespace jobsync::emulator
