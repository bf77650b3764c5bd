#include "support/canned_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace testing {
namespace {

std::string http_response(const CannedResponse& response)
{
    return "HTTP/1.1 " + response.status_line + "\r\n" +
           (response.content_type.empty() ? ""
                                          : "Content-Type: " + response.content_type + "\r\n") +
           "Content-Length: " + std::to_string(response.body.size()) +
           "\r\nx-ci-request-id: " + response.request_id + "\r\nConnection: close\r\n\r\n" +
           response.body;
}

} // namespace

CannedServer::CannedServer()
{
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

CannedServer::~CannedServer()
{
    stop_ = true;
    thread_.join();
    ::close(fd_);
}

void CannedServer::respond(const std::string& status_line, const std::string& content_type,
                           const std::string& body)
{
    respond(CannedResponse{status_line, content_type, body});
}

void CannedServer::respond(const CannedResponse& response)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    default_response_ = http_response(response);
    rules_.clear();
    requests_ = 0;
}

void CannedServer::respond_when(const std::string& fragment, const CannedResponse& response)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    rules_.emplace_back(fragment, http_response(response));
}

std::string CannedServer::response_for(const std::string& request_line) const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [fragment, response] : rules_) {
        if (request_line.find(fragment) != std::string::npos) {
            return response;
        }
    }
    return default_response_;
}

void CannedServer::serve()
{
    while (!stop_) {
        pollfd waiting{fd_, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0) {
            continue;
        }
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) {
            continue;
        }
        answer(client);
        ::close(client);
    }
}

void CannedServer::answer(int client)
{
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
        if (got <= 0) {
            return;
        }
        request.append(buffer, static_cast<std::size_t>(got));
    }
    ++requests_;
    const std::string response = response_for(request.substr(0, request.find("\r\n")));
    for (std::size_t sent = 0; sent < response.size();) {
        const ssize_t n =
            ::send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        sent += static_cast<std::size_t>(n);
    }
}

} // namespace testing
