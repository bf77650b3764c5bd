// One `sync` process in the round in progress: its worker id, its presence
// (a session that holds an advisory lock on the id), the heartbeat that
// renews its leases, and its share of the fleet's request budget.
#pragma once

#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/round_store.hpp"
#include "jobsync/sync/partition.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jobsync {

// host:pid:random, unique per run; never a secret.
std::string make_worker_id();

class RoundMembership {
public:
    // Joins the round in progress, or opens one; starts the heartbeat.
    // Throws RunError when the database is unusable.
    RoundMembership(const Config& config, const std::vector<Partition>& partitions,
                    RateLimiter& limiter, const std::atomic<bool>* stop_flag);
    ~RoundMembership(); // leave()
    RoundMembership(const RoundMembership&) = delete;
    RoundMembership& operator=(const RoundMembership&) = delete;

    long long round_id() const { return round_id_; }
    const RoundWorker& worker() const { return worker_; }
    // How often leases are renewed, and waiting workers look again.
    std::chrono::milliseconds beat() const { return beat_; }

    // The budget divided by the workers walking in the round.
    void take_share(long live_walkers);

    // Stops the heartbeat, releases what this worker still holds and leaves
    // the round (closing it if it is finished or no one else is left). Best
    // effort: a worker that cannot reach the database is gone anyway.
    void leave();

private:
    void heartbeat();
    void hold_presence_once(); // again after a reconnect: the lock died with the session

    RoundWorker worker_;
    RateLimiter& limiter_;
    const double budget_; // sync.max_requests_per_second, the whole fleet's
    const std::atomic<bool>* stop_flag_;
    std::chrono::milliseconds beat_;
    DbSession presence_;
    int presence_backend_ = 0; // the session that holds the presence lock
    long long round_id_ = 0;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool leaving_ = false;
    std::thread heartbeat_;
};

} // namespace jobsync
