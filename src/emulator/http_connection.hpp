// One accepted socket: reads HTTP/1.1 requests, keeps the connection alive
// between them, and writes the handler's answers.
#pragma once

#include "emulator/http_message.hpp"

namespace jobsync::emulator {

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    virtual HttpResponse handle(const HttpRequest& request) = 0;
    // The answer to a request that could not be parsed (the connection closes after it).
    virtual HttpResponse protocol_error(int status, const std::string& message) = 0;
};

// Serves requests on fd until the peer closes it, a request asks to close,
// the socket fails or is shut down (how the server stops it). Does not close fd.
void serve_connection(int fd, bool from_loopback, ConnectionHandler& handler);

} // namespace jobsync::emulator
