// Fetches a partition's next page on a background thread while the current
// page is written, so network latency and database time overlap instead of
// adding up. At most one request is in flight and two pages are held.
#pragma once

#include "jobsync/ci_client.hpp"

#include <future>
#include <optional>

namespace jobsync {

bool same_query(const ListJobsQuery& a, const ListJobsQuery& b);

class PagePrefetcher {
public:
    explicit PagePrefetcher(CiClient& client) : client_(client) {}
    ~PagePrefetcher(); // waits for a fetch still in flight (it aborts on SIGTERM)
    PagePrefetcher(const PagePrefetcher&) = delete;
    PagePrefetcher& operator=(const PagePrefetcher&) = delete;

    // Starts fetching `query` in the background.
    void start(const ListJobsQuery& query);

    // The page for `query`: the prefetched one when it was started for the
    // same query (its error, if it failed), else fetched now.
    JobsPage fetch(const ListJobsQuery& query);

private:
    void discard_pending();

    CiClient& client_;
    std::optional<ListJobsQuery> pending_query_;
    std::future<JobsPage> pending_;
};

} // namespace jobsync
