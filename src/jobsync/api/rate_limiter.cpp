#include "jobsync/api/rate_limiter.hpp"

#include <algorithm>

namespace jobsync {

RateLimiter::RateLimiter(double per_second, double burst)
    : unlimited_(per_second <= 0), burst_given_(burst), per_second_(per_second),
      burst_(burst > 0 ? burst : std::max(1.0, per_second)), tokens_(burst_), last_(Clock::now())
{
}

void RateLimiter::set_rate(double per_second)
{
    if (unlimited_ || per_second <= 0) {
        return;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    refill(Clock::now());
    per_second_ = per_second;
    burst_ = burst_given_ > 0 ? burst_given_ : std::max(1.0, per_second);
    tokens_ = std::min(tokens_, burst_);
}

void RateLimiter::refill(Clock::time_point now)
{
    const std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * per_second_);
    last_ = now;
}

bool RateLimiter::try_acquire()
{
    if (unlimited()) {
        return true;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    refill(Clock::now());
    if (tokens_ < 1) {
        return false;
    }
    tokens_ -= 1;
    return true;
}

bool RateLimiter::acquire(StopToken stop)
{
    if (unlimited()) {
        return true;
    }
    Clock::time_point due;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        const Clock::time_point now = Clock::now();
        refill(now);
        tokens_ -= 1; // reserve our slot, even if it lies in the future
        const double wait_seconds = tokens_ >= 0 ? 0 : -tokens_ / per_second_;
        due = now + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(wait_seconds));
    }
    return stop.sleep_for(due - Clock::now()); // false when stopped, even with no wait
}

} // namespace jobsync
