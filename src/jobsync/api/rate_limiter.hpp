// A token bucket shared by every worker thread of a run, for
// sync.max_requests_per_second: the service throttles per account, not per
// partition, so one limit covers all concurrent partitions.
#pragma once

#include <atomic>
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
    // without waiting further when *abort becomes true.
    bool acquire(const std::atomic<bool>* abort = nullptr);

    // Takes a token if one is available now.
    bool try_acquire();

    bool unlimited() const { return per_second_ <= 0; }

private:
    void refill(Clock::time_point now); // requires mutex_

    const double per_second_;
    const double burst_;
    std::mutex mutex_;
    double tokens_; // may go negative: slots reserved by waiters
    Clock::time_point last_;
};

} // namespace jobsync
