#include "jobsync/api/api_clients.hpp"

namespace jobsync {

ApiClientFactory::ApiClientFactory(const SyncConfig& sync, RateLimiter& limiter, StopToken stop)
    : sync_(sync), limiter_(limiter), stop_(stop)
{
}

std::unique_ptr<CiClient> ApiClientFactory::make(const SourceConfig& source)
{
    RetryPolicy retry;
    retry.max_attempts = sync_.max_attempts;
    retry.max_total_seconds = sync_.retry_max_seconds;
    auto client = std::make_unique<CiClient>(source,
                                             HttpOptions{sync_.connect_timeout_seconds,
                                                         sync_.request_timeout_seconds,
                                                         sync_.max_response_bytes},
                                             retry);
    client->set_stop(stop_);
    client->set_rate_limiter(&limiter_);
    client->set_ids_per_request(sync_.ids_per_request);
    client->set_by_id_refusals(&by_id_refusals_);
    return client;
}

CiClient& ApiClients::for_source(const SourceConfig& source)
{
    auto& client = clients_[&source];
    if (!client) {
        client = factory_.make(source);
    }
    return *client;
}

RequestCounters ApiClients::counters() const
{
    RequestCounters total;
    for (const auto& [source, client] : clients_) {
        total.requests += client->counters().requests;
        total.retries += client->counters().retries;
    }
    return total;
}

} // namespace jobsync
