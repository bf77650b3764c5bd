// How a long wait learns that the process is stopping. The stop flag itself
// stays a std::atomic<bool>: a signal handler may do nothing but store to it.
// Sleepers wait on one condition variable that StopSource::request_stop()
// notifies, and look at the flag at least every kPlainStoreLatency, so a
// plain store (the SIGTERM handler's) still ends every sleep soon after.
#pragma once

#include <atomic>
#include <chrono>

namespace jobsync {

class StopToken {
public:
    // A flag set by a plain store is noticed by a sleeper within this time;
    // StopSource::request_stop() wakes sleepers at once.
    static constexpr std::chrono::milliseconds kPlainStoreLatency{50};

    StopToken() = default; // never stops
    // Implicit on purpose: code that still hands the process's flag around as
    // a pointer passes it where a token is taken. nullptr never stops.
    StopToken(const std::atomic<bool>* flag) noexcept : flag_(flag) {}

    bool stopped() const noexcept { return flag_ != nullptr && flag_->load(); }

    // Sleeps for `duration` unless stopped first. Returns true when the time
    // passed, false (at once or as soon as it is noticed) when stopped.
    bool sleep_for(std::chrono::steady_clock::duration duration) const;

    // The flag, for callers that still take a pointer (nullptr: never stops).
    const std::atomic<bool>* flag() const noexcept { return flag_; }

private:
    const std::atomic<bool>* flag_ = nullptr;
};

// A stop flag owned by code (not by a signal handler): request_stop() sets it
// and wakes every sleeper at once.
class StopSource {
public:
    void request_stop() noexcept;
    bool stop_requested() const noexcept { return flag_.load(); }
    StopToken token() const noexcept { return StopToken(&flag_); }

private:
    std::atomic<bool> flag_{false};
};

} // namespace jobsync
