// Fetches a partition's next page on a background thread while the current
// page is written, so network latency and database time overlap instead of
// adding up. At most one request is in flight and two pages are held.
#pragma once

#include "jobsync/api/ci_client.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

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
    void run(); // the fetching thread: runs each task handed over by start()

    CiClient& client_;
    std::optional<ListJobsQuery> pending_query_;
    std::future<JobsPage> pending_;

    // One thread for the whole walk, started by the first start(): a thread
    // per page cost a clone, a fresh stack and cold thread-local caches
    // (RapidXML's node pool blocks) every page.
    std::mutex mutex_;
    std::condition_variable wake_;
    std::packaged_task<JobsPage()> task_; // handed to the thread; guarded by mutex_
    bool stopping_ = false;               // guarded by mutex_
    std::thread thread_;
};

} // namespace jobsync
