#include "jobsync/page_prefetcher.hpp"

namespace jobsync {

bool same_query(const ListJobsQuery& a, const ListJobsQuery& b)
{
    return a.tag == b.tag && a.queue_id == b.queue_id && a.queue_type == b.queue_type &&
           a.start_creation_time == b.start_creation_time &&
           a.end_creation_time == b.end_creation_time && a.size == b.size &&
           a.next_token == b.next_token;
}

PagePrefetcher::~PagePrefetcher()
{
    discard_pending();
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
    discard_pending();
    pending_query_ = query;
    pending_ = std::async(std::launch::async, [this, query] { return client_.list_jobs(query); });
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
