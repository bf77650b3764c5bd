#include "emulator/http_connection.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace jobsync::emulator {
namespace {

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr int kIdleTimeoutSeconds = 120; // an abandoned keep-alive socket frees its thread

// Appends what the peer sent; false on EOF, error or timeout.
bool receive_more(int fd, std::string& buffer)
{
    char chunk[16 * 1024];
    while (true) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return false;
    }
}

bool send_all(int fd, const std::string& data)
{
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

// Drops `length` body bytes: from the buffer first, then from the socket.
bool discard_body(int fd, std::string& buffer, unsigned long long length)
{
    while (length > 0) {
        if (buffer.empty() && !receive_more(fd, buffer)) {
            return false;
        }
        const std::size_t take =
            static_cast<std::size_t>(std::min<unsigned long long>(length, buffer.size()));
        buffer.erase(0, take);
        length -= take;
    }
    return true;
}

bool parse_length(const std::string& text, unsigned long long& length)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 18) {
        return false;
    }
    length = std::strtoull(text.c_str(), nullptr, 10);
    return true;
}

} // namespace

void serve_connection(int fd, bool from_loopback, ConnectionHandler& handler)
{
    timeval timeout{};
    timeout.tv_sec = kIdleTimeoutSeconds;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    std::string buffer;
    while (true) {
        std::size_t head_end;
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (buffer.size() > kMaxHead) {
                send_all(fd,
                         serialize_response(
                             handler.protocol_error(431, "Request header is too large"), false));
                return;
            }
            if (!receive_more(fd, buffer)) {
                return;
            }
        }
        HttpRequest request;
        request.from_loopback = from_loopback;
        const bool parsed =
            parse_request_head(std::string_view(buffer).substr(0, head_end), request);
        buffer.erase(0, head_end + 4);
        if (!parsed) {
            send_all(fd, serialize_response(handler.protocol_error(400, "Malformed HTTP request"),
                                            false));
            return;
        }
        if (request.header("Transfer-Encoding")) {
            send_all(fd,
                     serialize_response(
                         handler.protocol_error(411, "Send a Content-Length, not chunks"), false));
            return;
        }
        unsigned long long length = 0;
        const auto content_length = request.header("Content-Length");
        if (content_length && !parse_length(*content_length, length)) {
            send_all(fd, serialize_response(handler.protocol_error(400, "Invalid Content-Length"),
                                            false));
            return;
        }
        if (!discard_body(fd, buffer, length)) {
            return;
        }
        const bool keep_alive = request.wants_keep_alive();
        const HttpResponse response = handler.handle(request);
        if (!send_all(fd, serialize_response(response, keep_alive)) || !keep_alive) {
            return;
        }
    }
}

} // namespace jobsync::emulator
