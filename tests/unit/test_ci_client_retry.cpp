// CiClient's one request path against the in-process emulator and its fault
// injection: backoff, Retry-After, what is not retried, the clock-skew
// re-sign, the rate limiter and the stop flag. Sleeps are recorded, not slept.
#include "jobsync/api/ci_client.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace jobsync;

namespace {

emulator::GeneratorOptions few_jobs()
{
    emulator::GeneratorOptions generator;
    generator.count = 20;
    generator.tags = {"Transcode"};
    return generator;
}

// An emulator of a few jobs with `faults`, and a source pointing at it.
struct Server {
    explicit Server(emulator::FaultOptions faults = {})
        : emulator(few_jobs(), faults), source(testing::source_for(emulator))
    {
    }
    testing::EmulatorFixture emulator;
    SourceConfig source;
};

emulator::FaultOptions always_failing()
{
    emulator::FaultOptions faults;
    faults.server_error_rate = 1; // 500 InternalError
    return faults;
}

ListJobsQuery transcode()
{
    ListJobsQuery query;
    query.tag = "Transcode";
    return query;
}

RetryPolicy policy(int max_attempts, long base_delay_ms, long max_delay_ms)
{
    RetryPolicy retry;
    retry.max_attempts = max_attempts;
    retry.base_delay_ms = base_delay_ms;
    retry.max_delay_ms = max_delay_ms;
    return retry;
}

// A client whose backoff sleeps land in `delays`.
struct RecordingClient {
    RecordingClient(const SourceConfig& source, RetryPolicy retry) : client(source, {}, retry)
    {
        client.set_sleeper([this](long ms) { delays.push_back(ms); });
    }
    CiClient client;
    std::vector<long> delays;
};

} // namespace

TEST_CASE("ci_client retry: 5xx back off with full jitter, then give up after max_attempts")
{
    const Server server(always_failing());
    RecordingClient recording(server.source, policy(12, 100, 1000));

    try {
        recording.client.list_jobs(transcode());
        FAIL("a server that always fails must give up");
    } catch (const PartitionError& e) {
        CHECK_THAT(e.what(), Catch::Contains("giving up after 12 attempts") &&
                                 Catch::Contains("InternalError"));
        CHECK(e.details().http_status == 500);
    }
    CHECK(recording.client.counters().requests == 12);
    CHECK(recording.client.counters().retries == 11);
    CHECK(server.emulator.server->stats().requests == 12);
    REQUIRE(recording.delays.size() == 11);
    for (std::size_t i = 0; i < recording.delays.size(); ++i) {
        const long ceiling = std::min(1000L, 100L << (i + 1)); // base * 2^attempt, capped
        INFO("retry " << i + 1);
        CHECK(recording.delays[i] >= 0);
        CHECK(recording.delays[i] <= ceiling);
    }
    // Full jitter, not a fixed schedule: 11 draws are not all at their ceiling.
    long at_ceiling = 0;
    for (std::size_t i = 0; i < recording.delays.size(); ++i) {
        at_ceiling += recording.delays[i] == std::min(1000L, 100L << (i + 1)) ? 1 : 0;
    }
    CHECK(at_ceiling < 11);
}

TEST_CASE("ci_client retry: 503 SlowDown waits at least its Retry-After")
{
    emulator::FaultOptions faults;
    faults.throttle_rate = 1; // 503 SlowDown with Retry-After: 1
    const Server server(faults);
    RecordingClient recording(server.source, policy(3, 1, 10));

    CHECK_THROWS_WITH(recording.client.list_jobs(transcode()),
                      Catch::Contains("giving up after 3 attempts") && Catch::Contains("SlowDown"));
    // The jitter ceiling is 10 ms; the server asked for a second.
    CHECK(recording.delays == std::vector<long>{1000, 1000});
}

TEST_CASE("ci_client retry: a transient failure is retried until the page arrives")
{
    emulator::FaultOptions faults;
    faults.server_error_rate = 0.5;
    faults.truncate_rate = 0.5;
    const Server server(faults);
    RecordingClient recording(server.source, policy(40, 1, 10));

    const JobsPage page = recording.client.list_jobs(transcode());
    CHECK(page.jobs.size() == 20);
    CHECK(recording.client.counters().retries > 0);
    CHECK(recording.delays.size() == static_cast<std::size_t>(recording.client.counters().retries));
}

TEST_CASE("ci_client retry: a 4xx that is not about the clock is not retried")
{
    const Server server;
    SourceConfig source = server.source;
    source.credentials.secret_key = "not-the-right-key";
    RecordingClient recording(source, policy(5, 1, 10));

    try {
        recording.client.list_jobs(transcode());
        FAIL("a wrong key must fail");
    } catch (const PartitionError& e) {
        CHECK(e.details().http_status == 403);
        CHECK(e.details().code == "SignatureDoesNotMatch");
        CHECK_FALSE(e.details().request_id.empty());
        CHECK_THAT(e.what(), !Catch::Contains("not-the-right-key"));
    }
    CHECK(recording.client.counters().requests == 1);
    CHECK(recording.delays.empty());
}

TEST_CASE("ci_client retry: a clock-skew refusal re-signs once with the server's Date")
{
    // Ahead by two hours: our signature has expired for the server. Behind by
    // two hours: our signature starts in the server's future.
    for (const long offset : {7200L, -7200L}) {
        INFO("server clock offset " << offset);
        emulator::FaultOptions faults;
        faults.clock_offset_seconds = offset;
        const Server server(faults);
        RecordingClient recording(server.source, policy(5, 1, 10));

        CHECK(recording.client.list_jobs(transcode()).jobs.size() == 20);
        CHECK(recording.client.counters().requests == 2);
        CHECK(recording.client.counters().retries == 0);
        CHECK(recording.delays.empty());
        CHECK(server.emulator.server->stats().rejected_signatures == 1);
        // The learned offset stays: the next request is signed right the first time.
        CHECK(recording.client.list_jobs(transcode()).jobs.size() == 20);
        CHECK(recording.client.counters().requests == 3);
    }
}

TEST_CASE("ci_client retry: every attempt takes a token from the run's rate limiter")
{
    const Server server(always_failing());
    RecordingClient recording(server.source, policy(3, 1, 10));
    // A bucket of 4 that refills once in ~17 minutes.
    RateLimiter limiter(0.001, 4);
    recording.client.set_rate_limiter(&limiter);

    CHECK_THROWS_AS(recording.client.list_jobs(transcode()), PartitionError);
    CHECK(limiter.try_acquire()); // 3 attempts took 3 of the 4 tokens
    CHECK_FALSE(limiter.try_acquire());
}

TEST_CASE("ci_client retry: the stop flag ends the request path")
{
    const Server server(always_failing());
    std::atomic<bool> stop{false};
    CiClient client(server.source, {}, policy(5, 1, 10));
    client.set_stop(&stop);
    // SIGTERM arrives during the first backoff.
    client.set_sleeper([&stop](long) { stop = true; });

    CHECK_THROWS_AS(client.list_jobs(transcode()), RunError);
    CHECK(client.counters().requests == 1);
    // Raised before a request: nothing is sent.
    CHECK_THROWS_AS(client.list_queues(), RunError);
    CHECK(server.emulator.server->stats().requests == 1);
}
