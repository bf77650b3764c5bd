// The project's HTTP server (libmicrohttpd) over loopback: what a handler
// receives, what the client gets back, and the limits that protect it.
#include "http_server/http_server.hpp"
#include "support/raw_http.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <vector>

using namespace jobsync::http;
using namespace testing;

namespace {

// Echoes what it received, and remembers every request.
class EchoHandler : public HttpHandler {
public:
    HttpResponse handle(const HttpRequest& request) override
    {
        {
            std::lock_guard<std::mutex> lock(mutex);
            seen.push_back(request);
        }
        HttpResponse response;
        response.status = request.path == "/missing" ? 404 : 200;
        response.content_type = "text/plain";
        response.headers.emplace_back("X-Echo-Method", request.method);
        response.body = request.method + " " + request.path + " ?" + request.query + " " +
                        std::to_string(request.body.size());
        return response;
    }

    HttpResponse refuse(int status, const std::string& message) override
    {
        HttpResponse response;
        response.status = status;
        response.content_type = "text/plain";
        response.body = "refused: " + message;
        return response;
    }

    HttpRequest last()
    {
        std::lock_guard<std::mutex> lock(mutex);
        REQUIRE_FALSE(seen.empty());
        return seen.back();
    }

    std::mutex mutex;
    std::vector<HttpRequest> seen;
};

} // namespace

TEST_CASE("http server: a request reaches the handler as sent, and the answer comes back")
{
    EchoHandler handler;
    HttpServer server({}, handler);
    server.start();
    REQUIRE(server.port() > 0);
    CHECK(server.endpoint() == "http://127.0.0.1:" + std::to_string(server.port()));

    const Reply reply =
        round_trip(server.port(),
                   "POST /a%20b/c+d?x=%2B1+2&y&z=%zz HTTP/1.1\r\nHost: h\r\n"
                   "X-Mixed-Case: Value\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    CHECK(reply.status == 200);
    CHECK(reply.header("content-type") == "text/plain");
    CHECK(reply.header("x-echo-method") == "POST");
    CHECK(reply.body == "POST /a b/c+d ?x=%2B1+2&y&z=%zz 5");

    const HttpRequest request = handler.last();
    CHECK(request.query == "x=%2B1+2&y&z=%zz"); // exact bytes, for signature checks
    CHECK(request.body == "hello");
    CHECK(request.version == "HTTP/1.1");
    CHECK(request.from_loopback);
    CHECK(request.peer == "127.0.0.1");
    CHECK(request.local_port == server.port());
    CHECK(request.header("x-mixed-case") == "Value");
    CHECK(request.header("X-MIXED-CASE") == "Value");
    bool lowercased = false;
    for (const auto& [name, value] : request.headers) {
        lowercased = lowercased || name == "x-mixed-case";
    }
    CHECK(lowercased);
    CHECK_FALSE(request.header("authorization").has_value());

    CHECK(round_trip(server.port(), "GET /missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
              .status == 404);
}

TEST_CASE("http server: keep-alive serves several requests on one connection")
{
    EchoHandler handler;
    HttpServer server({}, handler);
    server.start();
    const int fd = connect_to(server.port());
    std::string pending;
    send_text(fd, "GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(read_reply(fd, pending).body == "GET /one ? 0");
    CHECK(read_reply(fd, pending).body == "GET /two ? 0");
    send_text(fd, "GET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(read_reply(fd, pending).body == "GET /three ? 0");
    CHECK(closed_by_peer(fd));
    close(fd);
}

TEST_CASE("http server: a body over the limit is refused with 413 before it is read")
{
    EchoHandler handler;
    HttpServerOptions options;
    options.max_body_bytes = 100;
    HttpServer server(options, handler);
    server.start();
    const std::string head = "POST /upload HTTP/1.1\r\nHost: h\r\nConnection: close\r\n";
    const Reply fits =
        round_trip(server.port(), head + "Content-Length: 100\r\n\r\n" + std::string(100, 'a'));
    CHECK(fits.status == 200);
    CHECK(fits.body == "POST /upload ? 100");

    // Only the headers are sent: the answer must not wait for the body.
    const Reply refused = round_trip(server.port(), head + "Content-Length: 101\r\n\r\n");
    CHECK(refused.status == 413);
    CHECK(refused.body == "refused: the request body is larger than 100 bytes");
    CHECK(handler.seen.size() == 1);

    // A chunked body that grows past the limit gets no answer: the connection is cut.
    const int fd = connect_to(server.port());
    send_text(fd, head + "Transfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'b') +
                      "\r\n40\r\n" + std::string(64, 'b') + "\r\n0\r\n\r\n");
    CHECK(closed_by_peer(fd));
    close(fd);
    CHECK(handler.seen.size() == 1);
}

TEST_CASE("http server: the connection limit is honoured")
{
    EchoHandler handler;
    HttpServerOptions options;
    options.threads = 1; // the limit is shared out among polling threads
    options.max_connections = 2;
    HttpServer server(options, handler);
    server.start();
    const int first = connect_to(server.port());
    const int second = connect_to(server.port());
    std::string pending;
    send_text(first, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(read_reply(first, pending).status == 200); // both are now surely accepted
    send_text(second, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    pending.clear();
    CHECK(read_reply(second, pending).status == 200);

    // At the limit MHD stops accepting: a third client waits in the backlog.
    const int third = connect_to(server.port());
    send_text(third, "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    pollfd waiting{third, POLLIN, 0};
    CHECK(poll(&waiting, 1, 300) == 0);
    CHECK(handler.seen.size() == 2);

    close(first); // a place frees up, and the waiting client is served
    pending.clear();
    CHECK(read_reply(third, pending).body == "GET /3 ? 0");
    close(third);
    close(second);
}

TEST_CASE("http server: the per-address limit is honoured")
{
    EchoHandler handler;
    HttpServerOptions options;
    options.max_connections_per_ip = 1;
    HttpServer server(options, handler);
    server.start();
    const int first = connect_to(server.port());
    std::string pending;
    send_text(first, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(read_reply(first, pending).status == 200);
    const int second = connect_to(server.port());
    CHECK(closed_by_peer(second));
    close(second);
    close(first);
}

TEST_CASE("http server: stop closes open connections; a taken port is a clear error")
{
    EchoHandler handler;
    HttpServer server({}, handler);
    server.start();
    CHECK_THROWS_WITH(server.start(), "http server: already started");
    const int idle = connect_to(server.port());
    std::string pending;
    send_text(idle, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(read_reply(idle, pending).status == 200);

    HttpServerOptions same_port;
    same_port.port = server.port();
    HttpServer second(same_port, handler);
    CHECK_THROWS_WITH(second.start(), Catch::Contains("cannot listen on 127.0.0.1:" +
                                                      std::to_string(server.port())) &&
                                          Catch::Contains("in use"));

    server.stop();
    CHECK(closed_by_peer(idle));
    close(idle);
    server.stop(); // twice is harmless
}

namespace {

// Refuses /refuse from the head alone.
class HeadCheckingHandler : public EchoHandler {
public:
    std::optional<HttpResponse> check_head(const HttpRequest& head) override
    {
        heads_seen.fetch_add(1);
        if (head.path != "/refuse") {
            return std::nullopt;
        }
        CHECK(head.body.empty());
        CHECK(head.query == "token=x+y");
        HttpResponse response;
        response.status = 403;
        response.content_type = "text/plain";
        response.body = "refused at the head";
        return response;
    }
    std::atomic<int> heads_seen{0};
};

// Sends one byte every 50 ms until the server closes the connection or
// `seconds` pass; true when it was closed.
bool trickle_until_closed(int fd, int seconds)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (send(fd, "x", 1, MSG_NOSIGNAL) < 0) {
            return true; // EPIPE/ECONNRESET: the server closed it
        }
        pollfd readable{fd, POLLIN, 0};
        if (poll(&readable, 1, 50) > 0) {
            char byte;
            const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

TEST_CASE("http server: check_head answers from the head before any of the body is read")
{
    HeadCheckingHandler handler;
    HttpServerOptions options;
    options.max_body_bytes = 1024 * 1024;
    HttpServer server(options, handler);
    server.start();

    // Only the head of a large body is sent: the answer comes anyway, and the
    // connection is closed after it rather than the body read.
    const int fd = connect_to(server.port());
    send_text(fd, "POST /refuse?token=x+y HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n");
    std::string pending;
    const Reply refused = read_reply(fd, pending);
    CHECK(refused.status == 403);
    CHECK(refused.body == "refused at the head");
    CHECK(closed_by_peer(fd));
    close(fd);
    CHECK(handler.seen.empty());

    const Reply passed =
        round_trip(server.port(), "POST /fine HTTP/1.1\r\nHost: h\r\n"
                                  "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
    CHECK(passed.status == 200);
    CHECK(passed.body == "POST /fine ? 3");
    CHECK(handler.heads_seen.load() == 2);
}

TEST_CASE("http server: a request still arriving at the deadline is cut, however it trickles")
{
    EchoHandler handler;
    HttpServerOptions options;
    options.idle_timeout_seconds = 120; // a byte every 50 ms never lets this one fire
    options.request_deadline_seconds = 1;
    HttpServer server(options, handler);
    server.start();

    const int headers_slowly = connect_to(server.port());
    send_text(headers_slowly, "POST /slow HTTP/1.1\r\nHost: h\r\n");
    const int body_slowly = connect_to(server.port());
    send_text(body_slowly, "POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
    CHECK(trickle_until_closed(body_slowly, 60));
    CHECK(trickle_until_closed(headers_slowly, 60));
    close(body_slowly);
    close(headers_slowly);
    CHECK(handler.seen.empty());

    CHECK(round_trip(server.port(), "GET /quick HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
              .status == 200);
}
