// The listener: an accept loop on its own thread and one thread per
// connection; stop() shuts every socket down and joins every thread.
#include "emulator/emulator_server.hpp"

#include "emulator/request_handler.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

namespace jobsync::emulator {
namespace {

bool is_loopback(const sockaddr_storage& address)
{
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        return (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
    }
    if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        if (IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr) && v6.sin6_addr.s6_addr[12] == 127;
    }
    return false;
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
        throw std::runtime_error("emulator: cannot resolve " + host + ": " + gai_strerror(rc));
    }
    const int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(found);
        throw std::runtime_error(std::string("emulator: socket: ") + std::strerror(errno));
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const int bound = bind(fd, found->ai_addr, found->ai_addrlen);
    const int bind_errno = errno;
    freeaddrinfo(found);
    if (bound != 0 || listen(fd, SOMAXCONN) != 0) {
        const int saved = bound != 0 ? bind_errno : errno;
        close(fd);
        throw std::runtime_error("emulator: cannot listen on " + host + ":" + service + ": " +
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

} // namespace

struct EmulatorServer::Impl {
    Impl(Dataset& dataset, ServerOptions server_options)
        : options(std::move(server_options)), handler(dataset, options)
    {
    }

    void accept_loop();
    void serve(std::uint64_t id, int fd, bool loopback);
    void join_exited();

    ServerOptions options;
    RequestHandler handler;
    int listen_fd = -1;
    int bound_port = 0;
    std::thread accept_thread;

    std::mutex mutex; // guards everything below
    bool running = false;
    bool stopping = false;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, int> live_fds;        // open connections, for shutdown
    std::map<std::uint64_t, std::thread> threads; // connection threads not yet joined
    std::vector<std::uint64_t> exited;            // threads done serving
};

void EmulatorServer::Impl::serve(std::uint64_t id, int fd, bool loopback)
{
    serve_connection(fd, loopback, handler);
    std::lock_guard<std::mutex> lock(mutex);
    // Closed under the lock so stop() never shuts down a reused descriptor.
    live_fds.erase(id);
    close(fd);
    exited.push_back(id);
}

void EmulatorServer::Impl::join_exited()
{
    std::vector<std::thread> done;
    {
        std::lock_guard<std::mutex> lock(mutex);
        for (const std::uint64_t id : exited) {
            const auto found = threads.find(id);
            if (found != threads.end()) {
                done.push_back(std::move(found->second));
                threads.erase(found);
            }
        }
        exited.clear();
    }
    for (std::thread& thread : done) {
        thread.join();
    }
}

void EmulatorServer::Impl::accept_loop()
{
    while (true) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd =
            accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        join_exited();
        std::lock_guard<std::mutex> lock(mutex);
        if (stopping) {
            if (fd >= 0) {
                close(fd);
            }
            return;
        }
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE ||
                errno == ENOBUFS || errno == ENOMEM) {
                continue; // transient: the next accept may succeed
            }
            return;
        }
        const std::uint64_t id = next_id++;
        try {
            // Registered before the thread can reach its exit path (it needs this lock).
            threads.emplace(id, std::thread(&Impl::serve, this, id, fd, is_loopback(peer)));
            live_fds.emplace(id, fd);
        } catch (const std::system_error&) {
            close(fd); // no thread for this connection; the client sees a reset
        }
    }
}

EmulatorServer::EmulatorServer(Dataset& dataset, ServerOptions options)
    : impl_(std::make_unique<Impl>(dataset, std::move(options)))
{
}

EmulatorServer::~EmulatorServer()
{
    stop();
}

void EmulatorServer::start()
{
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->running) {
        throw std::runtime_error("emulator: already started");
    }
    impl_->listen_fd = open_listener(impl_->options.host, impl_->options.port, impl_->bound_port);
    impl_->stopping = false;
    impl_->running = true;
    impl_->accept_thread = std::thread(&Impl::accept_loop, impl_.get());
}

void EmulatorServer::stop()
{
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        if (!impl_->running) {
            return;
        }
        impl_->stopping = true;
        for (const auto& entry : impl_->live_fds) {
            shutdown(entry.second, SHUT_RDWR); // wakes the thread blocked in recv
        }
    }
    shutdown(impl_->listen_fd, SHUT_RDWR); // wakes accept
    impl_->accept_thread.join();
    close(impl_->listen_fd);
    impl_->listen_fd = -1;
    std::map<std::uint64_t, std::thread> remaining;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        remaining.swap(impl_->threads);
    }
    for (auto& entry : remaining) {
        entry.second.join();
    }
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->exited.clear();
    impl_->running = false;
}

int EmulatorServer::port() const
{
    return impl_->bound_port;
}

std::string EmulatorServer::endpoint() const
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

ServerStats EmulatorServer::stats() const
{
    return impl_->handler.stats();
}

void EmulatorServer::reset_stats()
{
    impl_->handler.reset_stats();
}

void EmulatorServer::set_faults(const FaultOptions& faults)
{
    impl_->handler.set_faults(faults);
}

} // namespace jobsync::emulator
