#include "jobsync/commands/metrics_refresher.hpp"

#include "jobsync/commands/metrics_file.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"

namespace jobsync {

std::optional<SyncState> read_sync_state(const DatabaseConfig& database)
{
    try {
        auto conn = open_connection(database);
        pqxx::read_transaction txn(*conn);
        // A table lock held elsewhere must not hang the metrics: the file then
        // keeps its previous state and its age shows it.
        txn.exec("SET LOCAL lock_timeout = '5s'");
        txn.exec("SET LOCAL statement_timeout = '30s'");
        return sync_state_store::read(txn);
    } catch (const std::exception& e) {
        log_warn("metrics: database state not read", {{"error", e.what()}});
        return std::nullopt;
    }
}

MetricsRefresher::MetricsRefresher(DatabaseConfig database, std::string path,
                                   std::chrono::milliseconds interval)
    : database_(std::move(database)), path_(std::move(path)), interval_(interval),
      thread_([this] { run(); })
{
}

MetricsRefresher::~MetricsRefresher()
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void MetricsRefresher::run()
{
    std::unique_lock<std::mutex> lock(mutex_);
    // The first write waits an interval too: the run applies its migrations first.
    while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
        lock.unlock();
        if (const auto state = read_sync_state(database_)) {
            try {
                write_state_metrics(path_, *state);
            } catch (const RunError& e) {
                log_warn("metrics file not refreshed", {{"error", e.what()}});
            }
        }
        lock.lock();
    }
}

} // namespace jobsync
