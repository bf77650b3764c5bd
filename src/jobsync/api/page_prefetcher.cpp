#include "jobsync/api/page_prefetcher.hpp"

namespace jobsync {

bool same_query(const ListJobsQuery& a, const ListJobsQuery& b)
{
    return a.tag == b.tag && a.queue_id == b.queue_id && a.queue_type == b.queue_type &&
           a.start_creation_time == b.start_creation_time &&
           a.end_creation_time == b.end_creation_time && a.size == b.size &&
           a.next_token == b.next_token && a.newest_first == b.newest_first;
}

PagePrefetcher::~PagePrefetcher()
{
    discard_pending();
    if (thread_.joinable()) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
}

void PagePrefetcher::discard_pending()
{
    if (pending_.valid()) {
        try {
            client_.recycle(pending_.get());
        } catch (...) { // nobody asked for this page; its error does not matter
        }
    }
    pending_query_.reset();
}

void PagePrefetcher::start(const ListJobsQuery& query)
{
    discard_pending(); // also means the thread is idle: its last task is done
    pending_query_ = query;
    std::packaged_task<JobsPage()> task([this, query] { return client_.list_jobs(query); });
    pending_ = task.get_future();
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        task_ = std::move(task);
    }
    if (!thread_.joinable()) {
        thread_ = std::thread(&PagePrefetcher::run, this);
    }
    wake_.notify_one();
}

void PagePrefetcher::run()
{
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return task_.valid() || stopping_; });
        if (!task_.valid()) {
            return; // stopping, with nothing left to fetch
        }
        std::packaged_task<JobsPage()> task = std::move(task_);
        lock.unlock();
        task(); // its result or exception goes to pending_
        lock.lock();
    }
}

JobsPage PagePrefetcher::fetch(const ListJobsQuery& query)
{
    if (pending_.valid() && pending_query_ && same_query(*pending_query_, query)) {
        pending_query_.reset();
        return pending_.get();
    }
    discard_pending(); // the walk went elsewhere (a restart): that page is stale
    return client_.list_jobs(query);
}

} // namespace jobsync
