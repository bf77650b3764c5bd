// A small blocking HTTP/1.1 POST to a loopback URL: how the emulator calls
// back (it links no HTTP client library, and never calls off the machine).
#pragma once

#include <stdexcept>
#include <string>

namespace jobsync::emulator {

// http://127.x.x.x:PORT/path?query, split; the host must be an IPv4 loopback literal.
struct LoopbackUrl {
    std::string host; // e.g. "127.0.0.1"
    int port = 0;
    std::string target; // path and query, e.g. "/ci/notify?token=..."
};

// Throws std::invalid_argument naming what is wrong (the query is never shown:
// it carries the listener's token).
LoopbackUrl parse_loopback_url(const std::string& url);

// A failed exchange: connection refused, timeout, or no status line.
class PostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Sends one POST with Content-Length and Connection: close, waits at most
// timeout_ms for each step (connect, write, read), and returns the status code
// of the answer. Throws PostError.
int post_to_loopback(const LoopbackUrl& url, const std::string& content_type,
                     const std::string& body, int timeout_ms);

} // namespace jobsync::emulator
