// One HTTP/1.1 server for the project (libmicrohttpd): a pool of polling
// threads answers requests with a handler; limits on connections, idle time,
// request time and body size protect it from a misbehaving or hostile client.
#pragma once

#include "http_server/http_message.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace jobsync::http {

class HttpHandler {
public:
    virtual ~HttpHandler() = default;
    // Called on the pool's threads, concurrently: must be thread-safe.
    virtual HttpResponse handle(const HttpRequest& request) = 0;
    // Called once the headers are complete, before any of the body is read
    // (request.body is empty): an answer here is sent at once, the body is
    // never read and the connection is closed after. nullopt => read the body
    // and call handle(). Thread-safe like handle().
    virtual std::optional<HttpResponse> check_head(const HttpRequest& /*head*/)
    {
        return std::nullopt;
    }
    // The answer to a request refused before the handler saw it (413: body too large).
    virtual HttpResponse refuse(int status, const std::string& message) = 0;
};

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;         // 0 => an ephemeral port; see HttpServer::port()
    unsigned threads = 8; // polling threads; a handler that blocks holds one
    // Open connections at most; each polling thread takes an equal share.
    // At the limit no more are accepted: new clients wait in the backlog.
    unsigned max_connections = 256;
    unsigned max_connections_per_ip = 0; // 0 => no limit beyond max_connections
    unsigned idle_timeout_seconds = 120; // an idle keep-alive connection is closed after
    // 0 => none. Else a request must arrive whole and be answered within this
    // many seconds from its connection's opening (or the end of its previous
    // request), however it trickles in; past it the connection is closed.
    unsigned request_deadline_seconds = 0;
    std::size_t max_body_bytes = 64 * 1024;
};

class HttpServer {
public:
    HttpServer(HttpServerOptions options, HttpHandler& handler);
    ~HttpServer(); // stops
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and serves on background threads; throws std::runtime_error naming the step.
    void start();
    // Closes the listener and every connection; waits for handlers in flight.
    void stop();
    int port() const;
    std::string endpoint() const; // "http://127.0.0.1:<port>"

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace jobsync::http
