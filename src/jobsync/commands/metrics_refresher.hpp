// Keeps the metrics file's state part current while a sync runs: a walk that
// is blocked (a lock, a hung connection) writes no run metrics until it ends,
// but its partition's last committed page keeps ageing in the file, so the
// "stuck" alert sees it (docs/operations.md).
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/db/sync_state_store.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace jobsync {

// The state as the database has it now, on a connection of its own; nullopt
// (and a warning) when the database does not answer within a few seconds.
std::optional<SyncState> read_sync_state(const DatabaseConfig& database);

class MetricsRefresher {
public:
    static constexpr std::chrono::seconds kDefaultInterval{15};

    // Rewrites the state part of the file at `path` every `interval` until destroyed.
    MetricsRefresher(DatabaseConfig database, std::string path,
                     std::chrono::milliseconds interval = kDefaultInterval);
    ~MetricsRefresher();
    MetricsRefresher(const MetricsRefresher&) = delete;
    MetricsRefresher& operator=(const MetricsRefresher&) = delete;

private:
    void run();

    DatabaseConfig database_;
    std::string path_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace jobsync
