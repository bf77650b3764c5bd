#include "jobsync/listen/listener.hpp"

#include "http_server/http_server.hpp"
#include "jobsync/api/api_clients.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/listen/callback_handler.hpp"
#include "jobsync/listen/inbox_drain.hpp"
#include "jobsync/listen/listen_metrics.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

constexpr std::size_t kMinTokenLength = 16;

// Wakes the fetcher when a callback was recorded.
class Doorbell {
public:
    void ring()
    {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            rung_ = true;
        }
        cv_.notify_one();
    }
    // True when rung (and resets it); false after the timeout.
    bool wait(std::chrono::milliseconds timeout)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool rung = cv_.wait_for(lock, timeout, [this] { return rung_; });
        rung_ = false;
        return rung;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool rung_ = false;
};

// Drains until the inbox is empty; a failure is logged and retried later (the
// ids stay in the inbox).
void drain_available(InboxDrain& drain, ListenMetrics& metrics, StopToken abort)
{
    try {
        for (;;) {
            DrainStats batch;
            const bool more = drain.drain_batch(batch);
            metrics.drained(batch);
            if (!more || abort.stopped()) {
                return;
            }
        }
    } catch (const std::exception& e) {
        if (!abort.stopped()) {
            log_error("inbox batch not written; retried later", {{"error", e.what()}});
        }
    }
}

} // namespace

int run_listen(const Config& config, StopToken stop, const ListenOptions& options)
{
    if (config.listen.token.size() < kMinTokenLength) {
        throw ConfigError(config.path +
                          ": listen needs [listen] token (or CI_JOBSYNC_LISTEN_TOKEN, "
                          "or the credential file listen_token) of at least 16 "
                          "characters");
    }
    DbSession db(config.database);
    apply_migrations(db.conn(), config.database.schema);

    ListenMetrics metrics;
    Doorbell doorbell;
    CallbackHandler handler(config, metrics, [&doorbell] { doorbell.ring(); });
    http::HttpServerOptions server_options;
    server_options.host = config.listen.host;
    server_options.port = config.listen.port;
    server_options.threads = 4;
    server_options.max_connections = 256;
    server_options.max_connections_per_ip = 64;
    server_options.idle_timeout_seconds = 30;
    server_options.request_deadline_seconds =
        static_cast<unsigned>(config.listen.request_timeout_seconds);
    server_options.max_body_bytes = static_cast<std::size_t>(config.listen.max_body_bytes);
    http::HttpServer server(server_options, handler);
    try {
        server.start();
    } catch (const std::runtime_error& e) {
        throw RunError("listen: cannot serve on " + config.listen.host + ":" +
                       std::to_string(config.listen.port) + ": " + e.what());
    }
    log_info("listening for callbacks",
             {{"address", server.endpoint()}, {"path", config.listen.path}});

    // The fetcher's requests are not aborted by the stop signal itself: what
    // was acknowledged is written out first, within final_drain_ms.
    StopSource fetcher_abort;
    RateLimiter limiter(config.sync.max_requests_per_second);
    ApiClientFactory api(config.sync, limiter, fetcher_abort.token());
    std::thread fetcher([&] {
        ApiClients clients(api);
        InboxDrain drain(config, db, clients, fetcher_abort.token());
        while (!stop.stopped()) {
            if (doorbell.wait(std::chrono::milliseconds(options.idle_poll_ms))) {
                stop.sleep_for(std::chrono::milliseconds(options.debounce_ms));
            }
            drain_available(drain, metrics, fetcher_abort.token());
        }
        drain_available(drain, metrics, fetcher_abort.token());
    });
    while (!stop.stopped()) { // the server's threads serve meanwhile
        stop.sleep_for(std::chrono::hours(1));
    }
    log_info("stopping: no new callbacks; writing out the inbox");
    server.stop(); // waits for the handlers in flight: what they acknowledged is in the inbox
    doorbell.ring();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.final_drain_ms);
    std::thread watchdog([&] {
        fetcher_abort.token().sleep_for(deadline - std::chrono::steady_clock::now());
        fetcher_abort.request_stop();
    });
    fetcher.join();
    fetcher_abort.request_stop(); // ends the watchdog's wait
    watchdog.join();
    const DrainStats totals = metrics.drain_totals();
    log_info("listen stopped", {{"callbacks", std::to_string(metrics.accepted_count())},
                                {"ids_fetched", std::to_string(totals.ids)},
                                {"ids_unknown", std::to_string(totals.unknown)}});
    return 0;
}

} // namespace jobsync
