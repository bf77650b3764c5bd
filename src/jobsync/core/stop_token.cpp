#include "jobsync/core/stop_token.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace jobsync {
namespace {

// One for the process: a token made from a bare flag pointer has nowhere
// else to wait, and a stop is rare enough that waking every sleeper is cheap.
std::mutex& wake_mutex()
{
    static std::mutex mutex;
    return mutex;
}

std::condition_variable& wake_signal()
{
    static std::condition_variable signal;
    return signal;
}

} // namespace

bool StopToken::sleep_for(std::chrono::steady_clock::duration duration) const
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point until = Clock::now() + duration;
    if (flag_ == nullptr) {
        std::this_thread::sleep_until(until);
        return true;
    }
    std::unique_lock<std::mutex> lock(wake_mutex());
    while (!flag_->load()) {
        const Clock::time_point now = Clock::now();
        if (now >= until) {
            return true;
        }
        wake_signal().wait_until(lock,
                                 std::min<Clock::time_point>(until, now + kPlainStoreLatency));
    }
    return false;
}

void StopSource::request_stop() noexcept
{
    flag_.store(true);
    // Taking the mutex orders the store before any sleeper's next look at
    // the flag, so none misses the notification.
    {
        const std::lock_guard<std::mutex> lock(wake_mutex());
    }
    wake_signal().notify_all();
}

} // namespace jobsync
