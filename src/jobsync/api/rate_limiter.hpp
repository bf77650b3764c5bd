// A token bucket shared by every worker thread of a run, for
// sync.max_requests_per_second: the service throttles per account, not per
// partition, so one limit covers all concurrent partitions. Several `sync`
// processes on one database each take their share (set_rate, from the round).
#pragma once

#include "jobsync/core/stop_token.hpp"

#include <chrono>
#include <mutex>

namespace jobsync {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // per_second <= 0 means unlimited. burst is the bucket's capacity (how
    // many requests may go at once after a quiet spell); 0 => max(1, per_second).
    explicit RateLimiter(double per_second, double burst = 0);

    // Takes a token, sleeping until one is due. Thread-safe; waiters are
    // served in the order they arrive (each reserves its slot). Returns false
    // without waiting further when `stop` is stopped.
    bool acquire(StopToken stop = {});

    // Takes a token if one is available now.
    bool try_acquire();

    // This worker's share of a budget shared with other processes (a round's
    // workers): the tokens so far are counted at the old rate. A limiter made
    // unlimited stays unlimited; per_second must be > 0.
    void set_rate(double per_second);

    bool unlimited() const { return unlimited_; }

private:
    void refill(Clock::time_point now); // requires mutex_

    const bool unlimited_;
    const double burst_given_; // 0 => follows the rate
    double per_second_;        // requires mutex_ once shared
    double burst_;
    std::mutex mutex_;
    double tokens_; // may go negative: slots reserved by waiters
    Clock::time_point last_;
};

} // namespace jobsync
