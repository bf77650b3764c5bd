// The request handler served by the project's HttpServer.
#include "emulator/emulator_server.hpp"

#include "emulator/request_handler.hpp"

namespace jobsync::emulator {
namespace {

http::HttpServerOptions http_options(const ServerOptions& options)
{
    http::HttpServerOptions http;
    http.host = options.host;
    http.port = options.port;
    http.threads = options.threads;
    http.max_connections = options.max_connections;
    return http;
}

} // namespace

struct EmulatorServer::Impl {
    Impl(Dataset& dataset, const ServerOptions& options)
        : handler(dataset, options), http(http_options(options), handler)
    {
    }

    RequestHandler handler;
    http::HttpServer http;
};

EmulatorServer::EmulatorServer(Dataset& dataset, ServerOptions options)
    : impl_(std::make_unique<Impl>(dataset, options))
{
}

EmulatorServer::~EmulatorServer() = default;

void EmulatorServer::start()
{
    impl_->http.start();
}

void EmulatorServer::stop()
{
    impl_->http.stop();
}

int EmulatorServer::port() const
{
    return impl_->http.port();
}

std::string EmulatorServer::endpoint() const
{
    return impl_->http.endpoint();
}

ServerStats EmulatorServer::stats() const
{
    return impl_->handler.stats();
}

std::vector<LoggedRequest> EmulatorServer::request_log() const
{
    return impl_->handler.request_log().entries();
}

void EmulatorServer::reset_stats()
{
    impl_->handler.reset_stats();
}

void EmulatorServer::set_faults(const FaultOptions& faults)
{
    impl_->handler.set_faults(faults);
}

ObjectCases& EmulatorServer::object_cases()
{
    return impl_->handler.object_cases();
}

} // namespace jobsync::emulator
