// The emulator as an HTTP server: keep-alive, pipelining, unknown paths and
// methods, concurrent clients, stopping with connections open.
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: HTTP keep-alive, unknown paths and methods")
{
    ServerFixture fixture(20);
    const int fd = connect_to(fixture.port);
    std::string pending;
    std::string request = signed_request(fixture.port, "/jobs", {{"tag", "Transcode"}});
    request.replace(request.find("Connection: close"), 17, "Connection: keep-alive");
    const std::string second = "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    send_text(fd, request + second); // pipelined
    Reply reply = read_reply(fd, pending);
    CHECK(reply.status == 200);
    CHECK(reply.header("connection").empty()); // HTTP/1.1: kept alive without saying so
    reply = read_reply(fd, pending);
    CHECK(reply.status == 405);
    send_text(fd, "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    reply = read_reply(fd, pending);
    CHECK(reply.status == 404);
    CHECK(error_code(reply) == "NoSuchKey");
    CHECK(closed_by_peer(fd)); // closed after Connection: close
    close(fd);

    // Malformed requests never reach the handler.
    CHECK(round_trip(fixture.port, "GET /jobs HTTP/1.1\r\nno colon\r\n\r\n").status == 400);
    CHECK(round_trip(fixture.port, "GET /jobs HTTP/9.9\r\nHost: x\r\n\r\n").status == 505);
    const int broken = connect_to(fixture.port);
    send_text(broken, "BROKEN\r\n\r\n");
    CHECK(closed_by_peer(broken));
    close(broken);
    CHECK(fixture.server->stats().requests == 3); // only the first connection's
    CHECK(fixture.server->endpoint() == "http://127.0.0.1:" + std::to_string(fixture.port));
}

TEST_CASE("emulator: concurrent clients and stop with open connections")
{
    ServerFixture fixture(300);
    JobQuery query;
    query.tag = "Animation";
    const auto expected = ids_of(fixture.dataset.select(query));
    std::atomic<int> matches{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 6; ++i) {
        clients.emplace_back([&] {
            if (list_all(fixture.port, {{"tag", "Animation"}, {"size", "9"}}) == expected) {
                ++matches;
            }
        });
    }
    for (std::thread& client : clients) {
        client.join();
    }
    CHECK(matches == 6);
    const int idle = connect_to(fixture.port); // an idle keep-alive connection
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fixture.server->stop();
    CHECK(closed_by_peer(idle));
    close(idle);
}
