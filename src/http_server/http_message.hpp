// HTTP requests and responses as a handler of HttpServer sees them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobsync::http {

using HeaderFields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;   // as sent, e.g. "GET"
    std::string path;     // percent-decoded path, e.g. "/jobs" ('+' stays '+')
    std::string query;    // the exact bytes after '?', undecoded (signatures need them)
    std::string version;  // "HTTP/1.1"
    HeaderFields headers; // names lowercased, in the order sent
    std::string body;     // at most HttpServerOptions::max_body_bytes
    std::string peer;     // the client's address, e.g. "127.0.0.1"
    bool from_loopback = false;
    int local_port = 0; // the port the server listens on

    // First header with this name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/xml";
    HeaderFields headers; // beyond Content-Type and Content-Length, in order
    std::string body;
};

bool iequals(std::string_view a, std::string_view b);

} // namespace jobsync::http
