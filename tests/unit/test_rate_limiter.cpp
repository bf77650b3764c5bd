// The global request-rate limit: a token bucket shared by threads.
#include "jobsync/api/rate_limiter.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using jobsync::RateLimiter;
using Clock = std::chrono::steady_clock;

TEST_CASE("rate limiter: unlimited never waits; a burst is served at once, then the rate")
{
    RateLimiter unlimited(0);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(unlimited.try_acquire());
    }

    RateLimiter limiter(50, 5);
    for (int i = 0; i < 5; ++i) {
        CHECK(limiter.try_acquire());
    }
    CHECK_FALSE(limiter.try_acquire());
    const auto start = Clock::now();
    for (int i = 0; i < 10; ++i) {
        REQUIRE(limiter.acquire());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(seconds >= 0.15); // 10 tokens at 50/s, less what refilled meanwhile
    CHECK(seconds < 2.0);
}

TEST_CASE("rate limiter: threads share one budget")
{
    RateLimiter limiter(100, 1);
    std::atomic<int> taken{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                if (limiter.acquire()) {
                    ++taken;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(taken == 40);
    CHECK(seconds >= 0.35); // 39 waits at 100/s
}

TEST_CASE("rate limiter: an abort flag ends a wait")
{
    RateLimiter limiter(0.1, 1); // one token, then one per 10 s
    REQUIRE(limiter.acquire());
    std::atomic<bool> abort{false};
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        abort = true;
    });
    const auto start = Clock::now();
    CHECK_FALSE(limiter.acquire(&abort));
    stopper.join();
    CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 1.0);
}

TEST_CASE("rate limiter: a share of a fleet's budget lowers the rate and the burst")
{
    RateLimiter limiter(100); // burst 100
    limiter.set_rate(10);     // one worker of ten: burst 10
    int taken = 0;
    while (limiter.try_acquire()) {
        ++taken;
    }
    CHECK(taken == 10);
    const auto start = Clock::now();
    for (int i = 0; i < 3; ++i) {
        REQUIRE(limiter.acquire());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(seconds >= 0.25); // 3 tokens at 10/s, not at 100/s

    RateLimiter unlimited(0);
    unlimited.set_rate(5); // a run without a budget keeps none
    for (int i = 0; i < 100; ++i) {
        REQUIRE(unlimited.try_acquire());
    }
}
