#include "support/raw_http.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace testing {

std::string Reply::header(const std::string& name) const
{
    const auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
}

int connect_to(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

void send_text(int fd, const std::string& text)
{
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        REQUIRE(n > 0);
        sent += static_cast<std::size_t>(n);
    }
}

Reply read_reply(int fd, std::string& pending)
{
    char chunk[8192];
    std::size_t head_end;
    while ((head_end = pending.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        REQUIRE(n > 0);
        pending.append(chunk, static_cast<std::size_t>(n));
    }
    Reply reply;
    const std::string head = pending.substr(0, head_end);
    pending.erase(0, head_end + 4);
    reply.status = std::atoi(head.substr(9, 3).c_str());
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        const std::size_t end = head.find("\r\n", pos + 2);
        const std::string line = head.substr(pos + 2, end - pos - 2);
        const std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        reply.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        pos = end;
    }
    const std::size_t length = std::stoul(reply.header("content-length"));
    while (pending.size() < length) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        REQUIRE(n > 0);
        pending.append(chunk, static_cast<std::size_t>(n));
    }
    reply.body = pending.substr(0, length);
    pending.erase(0, length);
    return reply;
}

Reply round_trip(int port, const std::string& request)
{
    const int fd = connect_to(port);
    send_text(fd, request);
    std::string pending;
    Reply reply = read_reply(fd, pending);
    close(fd);
    return reply;
}

bool closed_by_peer(int fd)
{
    char byte;
    const ssize_t n = recv(fd, &byte, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET); // unread input makes a close a reset
}

} // namespace testing
