#include "emulator/loopback_post.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace jobsync::emulator {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024; // the status line is all that is used

// Closes the socket on every path out.
struct Socket {
    explicit Socket(int fd) : fd(fd) {}
    ~Socket()
    {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd;
};

using Clock = std::chrono::steady_clock;

// Waits for the socket to be ready for `events` until the deadline.
void wait_ready(int fd, short events, Clock::time_point deadline, const char* step)
{
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            throw PostError(std::string("timed out while ") + step);
        }
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, static_cast<int>(left));
        if (ready > 0) {
            return;
        }
        if (ready < 0 && errno != EINTR) {
            throw PostError(std::string("poll failed while ") + step + ": " + std::strerror(errno));
        }
    }
}

void connect_with_deadline(int fd, const LoopbackUrl& url, Clock::time_point deadline)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(url.port));
    ::inet_pton(AF_INET, url.host.c_str(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
        return;
    }
    if (errno != EINPROGRESS) {
        throw PostError("cannot connect to " + url.host + ":" + std::to_string(url.port) + ": " +
                        std::strerror(errno));
    }
    wait_ready(fd, POLLOUT, deadline, "connecting");
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        throw PostError("cannot connect to " + url.host + ":" + std::to_string(url.port) + ": " +
                        std::strerror(error));
    }
}

void send_all(int fd, const std::string& data, Clock::time_point deadline)
{
    std::size_t sent = 0;
    while (sent < data.size()) {
        wait_ready(fd, POLLOUT, deadline, "sending");
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            throw PostError(std::string("send failed: ") + std::strerror(errno));
        }
        sent += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
}

// Reads until the peer closes (Connection: close) or the cap.
std::string read_answer(int fd, Clock::time_point deadline)
{
    std::string answer;
    char buffer[4096];
    while (answer.size() < kMaxAnswerBytes) {
        wait_ready(fd, POLLIN, deadline, "reading the answer");
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            if (!answer.empty()) {
                break; // a reset after the answer still leaves its status line
            }
            throw PostError(std::string("recv failed: ") + std::strerror(errno));
        }
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
}

int status_of(const std::string& answer)
{
    // "HTTP/1.x NNN ..."
    if (answer.size() < 12 || answer.compare(0, 7, "HTTP/1.") != 0 || answer[8] != ' ') {
        throw PostError("the answer has no HTTP/1.x status line");
    }
    int status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (answer[i] < '0' || answer[i] > '9') {
            throw PostError("the answer's status code is not three digits");
        }
        status = status * 10 + (answer[i] - '0');
    }
    return status;
}

} // namespace

LoopbackUrl parse_loopback_url(const std::string& url)
{
    static const std::string kScheme = "http://";
    if (url.compare(0, kScheme.size(), kScheme) != 0) {
        throw std::invalid_argument("callback URL must start with http:// (loopback only)");
    }
    const std::size_t authority_end = url.find_first_of("/?", kScheme.size());
    const std::string authority = url.substr(kScheme.size(), authority_end - kScheme.size());
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("callback URL must name a port: http://127.0.0.1:PORT/path");
    }
    LoopbackUrl parsed;
    parsed.host = authority.substr(0, colon);
    in_addr address{};
    if (::inet_pton(AF_INET, parsed.host.c_str(), &address) != 1 ||
        (ntohl(address.s_addr) >> 24) != 127) {
        throw std::invalid_argument("callback URL host '" + parsed.host +
                                    "' is not a loopback address (127.x.x.x): the emulator "
                                    "never calls off this machine");
    }
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535) {
        throw std::invalid_argument("callback URL port '" + port + "' is not 1..65535");
    }
    parsed.port = std::stoi(port);
    parsed.target = authority_end == std::string::npos ? "/" : url.substr(authority_end);
    if (parsed.target.front() == '?') {
        parsed.target.insert(0, "/");
    }
    if (parsed.target.find_first_of(" \r\n") != std::string::npos) {
        throw std::invalid_argument("callback URL path holds a space or a line break");
    }
    return parsed;
}

int post_to_loopback(const LoopbackUrl& url, const std::string& content_type,
                     const std::string& body, int timeout_ms)
{
    const Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.fd < 0) {
        throw PostError(std::string("cannot open a socket: ") + std::strerror(errno));
    }
    const auto step = std::chrono::milliseconds(timeout_ms);
    connect_with_deadline(socket.fd, url, Clock::now() + step);
    const std::string request = "POST " + url.target + " HTTP/1.1\r\nHost: " + url.host + ":" +
                                std::to_string(url.port) + "\r\nContent-Type: " + content_type +
                                "\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nConnection: close\r\nUser-Agent: ci-emulator\r\n\r\n";
    send_all(socket.fd, request + body, Clock::now() + step);
    return status_of(read_answer(socket.fd, Clock::now() + step));
}

} // namespace jobsync::emulator
