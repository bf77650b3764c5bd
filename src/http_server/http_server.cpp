// libmicrohttpd behind HttpServer: the listening socket is bound here (so a
// failure names its cause), the raw request URI is kept from the URI log
// callback (MHD decodes the one it hands the access handler), the handler sees
// the head before any body byte is read, bodies are collected up to the limit,
// and connections are tracked for the per-request deadline.
#include "http_server/http_server.hpp"

#include "http_server/connection_deadlines.hpp"

#include "jobsync/core/url_encode.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace jobsync::http {
namespace {

constexpr std::size_t kConnectionMemory = 64 * 1024; // request line and headers fit in this

bool is_loopback(const sockaddr* address)
{
    if (address == nullptr) {
        return false;
    }
    if (address->sa_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        if (IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && v6->sin6_addr.s6_addr[12] == 127;
    }
    return false;
}

std::string address_text(const sockaddr* address)
{
    char text[INET6_ADDRSTRLEN] = "";
    if (address != nullptr && address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                  sizeof text);
    } else if (address != nullptr && address->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                  sizeof text);
    }
    return text;
}

// A bound, listening socket for host:port; throws naming the failing step.
int open_listener(const std::string& host, int port, int& bound_port)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        throw std::runtime_error("http server: cannot resolve " + host + ": " + gai_strerror(rc));
    }
    const int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(found);
        throw std::runtime_error(std::string("http server: socket: ") + std::strerror(errno));
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const int bound = bind(fd, found->ai_addr, found->ai_addrlen);
    const int bind_errno = errno;
    freeaddrinfo(found);
    if (bound != 0 || listen(fd, SOMAXCONN) != 0) {
        const int saved = bound != 0 ? bind_errno : errno;
        close(fd);
        throw std::runtime_error("http server: cannot listen on " + host + ":" + service + ": " +
                                 std::strerror(saved));
    }
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    bound_port =
        ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(local).sin6_port
                                          : reinterpret_cast<const sockaddr_in&>(local).sin_port);
    return fd;
}

// What MHD keeps for one request between its callbacks.
struct PendingRequest {
    std::string raw_uri;
    HttpRequest request; // the head once the headers are complete; the body grows in it
    bool headers_seen = false;
};

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* name, const char* value)
{
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static_cast<HeaderFields*>(cls)->emplace_back(std::move(key), value ? value : "");
    return MHD_YES;
}

void free_body(void* body)
{
    delete static_cast<std::string*>(body);
}

// Hands the body to MHD without a copy; false when MHD refuses the response.
MHD_Result queue(MHD_Connection* connection, HttpResponse response)
{
    auto* body = new std::string(std::move(response.body));
    MHD_Response* reply = MHD_create_response_from_buffer_with_free_callback_cls(
        body->size(), body->data(), &free_body, body);
    if (reply == nullptr) {
        delete body;
        return MHD_NO;
    }
    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
    for (const auto& [name, value] : response.headers) {
        MHD_add_response_header(reply, name.c_str(), value.c_str());
    }
    const MHD_Result queued =
        MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
    MHD_destroy_response(reply);
    return queued;
}

std::optional<unsigned long long> declared_length(MHD_Connection* connection)
{
    const char* text =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (text == nullptr || *text == '\0' || std::strspn(text, "0123456789") != std::strlen(text) ||
        std::strlen(text) > 18) {
        return std::nullopt;
    }
    return std::stoull(text);
}

} // namespace

struct HttpServer::Impl {
    Impl(HttpServerOptions server_options, HttpHandler& request_handler)
        : options(std::move(server_options)), handler(request_handler)
    {
    }

    static void* on_uri(void* cls, const char* uri, MHD_Connection* connection);
    static void on_completed(void* cls, MHD_Connection* connection, void** context,
                             MHD_RequestTerminationCode code);
    static void on_connection(void* cls, MHD_Connection* connection, void** socket_context,
                              MHD_ConnectionNotificationCode code);
    static MHD_Result on_access(void* cls, MHD_Connection* connection, const char* url,
                                const char* method, const char* version, const char* upload,
                                size_t* upload_size, void** context);
    void read_head(MHD_Connection* connection, const char* method, const char* version,
                   PendingRequest& pending) const;

    HttpServerOptions options;
    HttpHandler& handler;
    std::unique_ptr<ConnectionDeadlines> deadlines; // null without a request deadline
    std::mutex mutex;                               // guards start/stop
    MHD_Daemon* daemon = nullptr;
    int bound_port = 0;
};

void* HttpServer::Impl::on_uri(void*, const char* uri, MHD_Connection*)
{
    auto* pending = new PendingRequest;
    pending->raw_uri = uri;
    return pending;
}

void HttpServer::Impl::on_completed(void* cls, MHD_Connection* connection, void** context,
                                    MHD_RequestTerminationCode)
{
    delete static_cast<PendingRequest*>(*context);
    *context = nullptr;
    if (auto& deadlines = static_cast<Impl*>(cls)->deadlines) {
        deadlines->request_ended(connection);
    }
}

void HttpServer::Impl::on_connection(void* cls, MHD_Connection* connection, void**,
                                     MHD_ConnectionNotificationCode code)
{
    ConnectionDeadlines& deadlines = *static_cast<Impl*>(cls)->deadlines;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info != nullptr) {
            deadlines.opened(connection, info->connect_fd);
        }
    } else {
        deadlines.closed(connection); // MHD closes the socket after this returns
    }
}

MHD_Result HttpServer::Impl::on_access(void* cls, MHD_Connection* connection, const char*,
                                       const char* method, const char* version, const char* upload,
                                       size_t* upload_size, void** context)
{
    auto& self = *static_cast<Impl*>(cls);
    auto* pending = static_cast<PendingRequest*>(*context);
    if (pending == nullptr) {
        return MHD_NO; // no URI callback ran: cannot happen with the options set in start()
    }
    const std::size_t limit = self.options.max_body_bytes;
    if (!pending->headers_seen) {
        // The headers are complete and no body byte has been read: what can be
        // refused from the head is refused now, and MHD closes the connection
        // after the answer instead of reading the body.
        pending->headers_seen = true;
        const auto length = declared_length(connection);
        if (length && *length > limit) {
            return queue(connection,
                         self.handler.refuse(413, "the request body is larger than " +
                                                      std::to_string(limit) + " bytes"));
        }
        self.read_head(connection, method, version, *pending);
        if (std::optional<HttpResponse> early = self.handler.check_head(pending->request)) {
            return queue(connection, std::move(*early));
        }
        return MHD_YES;
    }
    std::string& body = pending->request.body;
    if (*upload_size != 0) {
        if (body.size() + *upload_size > limit) {
            return MHD_NO; // a chunked body past the limit: the connection is cut
        }
        body.append(upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return queue(connection, self.handler.handle(pending->request));
}

void HttpServer::Impl::read_head(MHD_Connection* connection, const char* method,
                                 const char* version, PendingRequest& pending) const
{
    HttpRequest& request = pending.request;
    request.method = method;
    request.version = version;
    const std::string_view uri = pending.raw_uri;
    const auto question = uri.find('?');
    request.path = url_decode(uri.substr(0, question));
    request.query = question == std::string_view::npos ? "" : uri.substr(question + 1);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_header, &request.headers);
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const sockaddr* peer = info != nullptr ? info->client_addr : nullptr;
    request.peer = address_text(peer);
    request.from_loopback = is_loopback(peer);
    request.local_port = bound_port;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler))
{
}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::start()
{
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->daemon != nullptr) {
        throw std::runtime_error("http server: already started");
    }
    const HttpServerOptions& o = impl_->options;
    const int fd = open_listener(o.host, o.port, impl_->bound_port);
    if (o.request_deadline_seconds > 0) {
        impl_->deadlines =
            std::make_unique<ConnectionDeadlines>(std::chrono::seconds(o.request_deadline_seconds));
        impl_->deadlines->start();
    }
    // Without a deadline no connection is tracked (MHD calls no null callback).
    const MHD_NotifyConnectionCallback notify = impl_->deadlines ? &Impl::on_connection : nullptr;
    impl_->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, nullptr, nullptr, &Impl::on_access,
        impl_.get(), MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
        std::clamp(o.threads, 1U, std::max(1U, o.max_connections)), MHD_OPTION_CONNECTION_LIMIT,
        static_cast<unsigned>(std::max(1U, o.max_connections)), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        static_cast<unsigned>(o.max_connections_per_ip), MHD_OPTION_CONNECTION_TIMEOUT,
        static_cast<unsigned>(o.idle_timeout_seconds), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        kConnectionMemory, MHD_OPTION_URI_LOG_CALLBACK, &Impl::on_uri, impl_.get(),
        MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, impl_.get(), MHD_OPTION_NOTIFY_CONNECTION,
        notify, impl_.get(), MHD_OPTION_END);
    if (impl_->daemon == nullptr) {
        close(fd);
        impl_->deadlines.reset();
        throw std::runtime_error("http server: libmicrohttpd cannot serve on " + o.host + ":" +
                                 std::to_string(impl_->bound_port));
    }
}

void HttpServer::stop()
{
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->daemon != nullptr) {
        MHD_stop_daemon(impl_->daemon); // also closes the listening socket
        impl_->daemon = nullptr;
    }
    impl_->deadlines.reset(); // after MHD: its connection callbacks use it until then
}

int HttpServer::port() const
{
    return impl_->bound_port;
}

std::string HttpServer::endpoint() const
{
    std::string host = impl_->options.host;
    if (host == "0.0.0.0" || host.empty()) {
        host = "127.0.0.1";
    } else if (host == "::") {
        host = "::1";
    }
    if (host.find(':') != std::string::npos) {
        host = "[" + host + "]";
    }
    return "http://" + host + ":" + std::to_string(impl_->bound_port);
}

} // namespace jobsync::http
