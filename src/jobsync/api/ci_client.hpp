// The CI API as the worker uses it: signed GET /jobs and GET /queue with
// retries. One instance per worker thread (it owns a curl handle).
#pragma once

#include "jobsync/api/body_pool.hpp"
#include "jobsync/api/http_client.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "jobsync/parse/jobs_page.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace jobsync {

struct ListJobsQuery {
    std::string tag;
    std::string queue_id;   // "" => not sent (all queues)
    std::string queue_type; // "" => not sent
    std::optional<UnixSeconds> start_creation_time;
    std::optional<UnixSeconds> end_creation_time;
    int size = 100;
    std::string next_token; // "" => not sent
};

// The query parameters exactly as they go on the wire (raw values; encoded
// when the URL is built): orderByTime=Asc, states=All, size, tag, ...
QueryParams build_list_jobs_params(const ListJobsQuery& query);

struct RetryPolicy {
    int max_attempts = 5;
    long max_total_seconds = 120;
    long base_delay_ms = 200;
    long max_delay_ms = 20000;
};

struct RequestCounters {
    long requests = 0; // HTTP requests sent, including retries
    long retries = 0;
};

class CiClient {
public:
    CiClient(const SourceConfig& source, HttpOptions http, RetryPolicy retry);

    // One page of jobs. Retries RetryableError (network, 5xx, throttling,
    // malformed body) with exponential backoff and full jitter; throws
    // PartitionError for 4xx and when retries are exhausted.
    JobsPage list_jobs(const ListJobsQuery& query);

    // Gives a page the caller is done with back, so a later response is
    // received into its memory. Safe while a list_jobs runs on another thread.
    void recycle(JobsPage&& page) { bodies_.give(page.release_body()); }

    const RequestCounters& counters() const { return counters_; }
    void set_abort_flag(const std::atomic<bool>* flag);
    // Every attempt, retries included, takes a token from the run's limiter.
    void set_rate_limiter(RateLimiter* limiter) { limiter_ = limiter; }

    // For tests: replaces sleeping between retries.
    void set_sleeper(std::function<void(long ms)> sleeper) { sleeper_ = std::move(sleeper); }

private:
    // Host, Authorization (and the token header) for one request.
    std::vector<std::string> signed_headers(const std::string& path,
                                            const QueryParams& params) const;
    void learn_clock_offset(const HttpResponse& response);
    void pause(long delay_ms); // backoff sleep; throws RunError when aborted

    const SourceConfig& source_;
    HttpClient http_;
    RetryPolicy retry_;
    RequestCounters counters_;
    long clock_offset_seconds_ = 0; // learned from a RequestTimeTooSkewed response's Date
    const std::atomic<bool>* abort_flag_ = nullptr;
    RateLimiter* limiter_ = nullptr;
    std::function<void(long ms)> sleeper_;
    std::mt19937_64 jitter_; // seeded once: std::random_device opens /dev/urandom
    BodyPool bodies_;        // recycled page bodies
};

} // namespace jobsync
