// The one place CiClients are made: every command's clients get the run's
// rate limiter (one token bucket for every request of a run), the stop flag,
// sync.ids_per_request, the buckets refused by-id requests in the run, and
// the [sync] timeouts and retry budget.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/api/id_batch.hpp"
#include "jobsync/api/queue_lister.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/config/config.hpp"

#include <map>
#include <memory>

namespace jobsync {

// What the clients of one run share. Thread-safe: make() may be called from
// every worker thread.
class ApiClientFactory {
public:
    ApiClientFactory(const SyncConfig& sync, RateLimiter& limiter, StopToken stop);

    std::unique_ptr<CiClient> make(const SourceConfig& source);

private:
    const SyncConfig& sync_;
    RateLimiter& limiter_;
    StopToken stop_;
    ByIdRefusals by_id_refusals_;
};

// One thread's clients: one per source, made on first use. Also lists the
// queues and workflows of discovering sources with them.
class ApiClients : public QueueLister {
public:
    explicit ApiClients(ApiClientFactory& factory) : factory_(factory) {}

    CiClient& for_source(const SourceConfig& source);

    std::vector<std::string> list_queues(const SourceConfig& source) override
    {
        return for_source(source).list_queues();
    }

    std::vector<std::string> list_workflows(const SourceConfig& source) override
    {
        return for_source(source).list_workflows();
    }

    // Requests and retries of every client made so far.
    RequestCounters counters() const;

private:
    ApiClientFactory& factory_;
    std::map<const SourceConfig*, std::unique_ptr<CiClient>> clients_;
};

} // namespace jobsync
