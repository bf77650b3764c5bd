// StopToken: a stop ends a sleep, a token without a flag never stops. The
// upper bounds below are generous hang guards (the sleeps asked for are an
// hour), not speed assertions.
#include "jobsync/core/stop_token.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using jobsync::StopSource;
using jobsync::StopToken;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kHour = std::chrono::hours(1);
constexpr double kHangGuardSeconds = 30;

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

TEST_CASE("stop token: without a flag it never stops and sleeps the whole time")
{
    const StopToken never;
    CHECK_FALSE(never.stopped());
    const StopToken null_flag(nullptr);
    CHECK_FALSE(null_flag.stopped());
    const auto start = Clock::now();
    CHECK(null_flag.sleep_for(std::chrono::milliseconds(30)));
    CHECK(seconds_since(start) >= 0.03);
}

TEST_CASE("stop token: a sleep that is not stopped lasts its time and returns true")
{
    StopSource source;
    const auto start = Clock::now();
    CHECK(source.token().sleep_for(std::chrono::milliseconds(120)));
    CHECK(seconds_since(start) >= 0.12);
    CHECK_FALSE(source.token().stopped());
}

TEST_CASE("stop token: request_stop wakes sleepers in other threads")
{
    StopSource source;
    std::atomic<int> woken{0};
    std::atomic<int> asleep{0};
    const auto sleeper = [&] {
        ++asleep;
        if (!source.token().sleep_for(kHour)) {
            ++woken;
        }
    };
    const auto start = Clock::now();
    std::thread first(sleeper);
    std::thread second(sleeper);
    while (asleep.load() < 2) {
        std::this_thread::yield();
    }
    source.request_stop();
    first.join();
    second.join();
    CHECK(woken.load() == 2);
    CHECK(source.stop_requested());
    CHECK(source.token().stopped());
    CHECK(seconds_since(start) < kHangGuardSeconds);
}

TEST_CASE("stop token: a plain store to the flag (a signal handler's) also ends a sleep")
{
    std::atomic<bool> flag{false};
    const StopToken token(&flag);
    std::atomic<bool> slept_through{true};
    const auto start = Clock::now();
    std::thread sleeper([&] { slept_through = token.sleep_for(kHour); });
    flag = true;
    sleeper.join();
    CHECK_FALSE(slept_through.load());
    CHECK(token.stopped());
    CHECK(seconds_since(start) < kHangGuardSeconds);
}

TEST_CASE("stop token: once stopped, a sleep returns false at once")
{
    StopSource source;
    source.request_stop();
    const auto start = Clock::now();
    CHECK_FALSE(source.token().sleep_for(kHour));
    CHECK(seconds_since(start) < kHangGuardSeconds);
}
