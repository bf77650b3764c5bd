#include "jobsync/sync/page_walk.hpp"

#include "jobsync/api/page_prefetcher.hpp"
#include "jobsync/core/logger.hpp"

#include <algorithm>
#include <set>

namespace jobsync {

bool is_rejected_token(const PartitionError& error)
{
    const long status = error.details().http_status;
    return status >= 400 && status < 500 && status != 403;
}

namespace {

template <typename Records, typename TimeOf>
std::optional<UnixSeconds> newest_of(const Records& records, TimeOf time_of)
{
    std::optional<UnixSeconds> newest;
    for (const auto& record : records) {
        if (const std::optional<UnixSeconds> time = time_of(record)) {
            newest = std::max(newest.value_or(*time), *time);
        }
    }
    return newest;
}

// The GET /jobs pages of a partition, the next one fetched on a thread.
class JobPages : public PageSource<JobsPage> {
public:
    JobPages(CiClient& client, const Partition& partition, int page_size)
        : client_(client), partition_(partition), page_size_(page_size), prefetcher_(client)
    {
    }
    JobsPage fetch(const PagePosition& at) override
    {
        return prefetcher_.fetch(window_query(partition_, page_size_, at));
    }
    void start(const PagePosition& at) override
    {
        prefetcher_.start(window_query(partition_, page_size_, at));
    }
    void recycle(JobsPage&& page) override { client_.recycle(std::move(page)); }

private:
    CiClient& client_;
    const Partition& partition_;
    int page_size_;
    PagePrefetcher prefetcher_;
};

} // namespace

std::optional<UnixSeconds> newest_creation_time(const JobsPage& page)
{
    return newest_of(page.jobs,
                     [](const JobRecord& job) { return std::optional(job.creation_time); });
}

std::optional<UnixSeconds> newest_creation_time(const WorkflowRunPage& page)
{
    return newest_of(page.records, [](const WorkflowRunRecord& run) { return run.create_time; });
}

std::optional<UnixSeconds> newest_creation_time(const BatchJobPage& page)
{
    return newest_of(page.records, [](const BatchJobRecord& job) { return job.creation_time; });
}

bool ends_walk(const JobsPage& page)
{
    return page.next_token.empty() || (page.jobs.empty() && page.rejected.empty());
}

bool ends_walk(const WorkflowRunPage& page)
{
    return page.next_token.empty() || (page.records.empty() && page.rejected.empty());
}

bool ends_walk(const BatchJobPage& page)
{
    return page.next_token.empty() || (page.records.empty() && page.rejected.empty());
}

std::optional<UnixSeconds> PagePosition::restart_start() const
{
    return newest_committed ? std::optional(*newest_committed - 1) : start;
}

bool token_too_old(const std::string& next_token, std::optional<UnixSeconds> issued_at,
                   long max_age_seconds)
{
    return !next_token.empty() && issued_at && now_unix_seconds() - *issued_at > max_age_seconds;
}

ListJobsQuery window_query(const Partition& partition, int page_size, const PagePosition& from)
{
    ListJobsQuery query;
    query.tag = partition.tag;
    query.queue_id = partition.queue_id;
    query.queue_type = partition.source->queue_type;
    query.start_creation_time = from.start;
    query.end_creation_time = from.end;
    query.size = page_size;
    query.next_token = from.next_token;
    return query;
}

std::optional<ListingQuery> inclusive_query(const std::string& workflow_id, int page_size,
                                            const PagePosition& at)
{
    ListingQuery query;
    query.workflow_id = workflow_id;
    query.size = page_size;
    query.next_token = at.next_token;
    if (at.start) {
        query.start_creation_time = *at.start + 1;
    }
    if (at.end) {
        query.end_creation_time = *at.end - 1;
    }
    if (query.start_creation_time && query.end_creation_time &&
        *query.start_creation_time > *query.end_creation_time) {
        return std::nullopt;
    }
    return query;
}

bool walk_pages(CiClient& client, const Partition& partition, int page_size, PagePosition from,
                const std::atomic<bool>* stop_flag, PageSink& sink)
{
    JobPages source(client, partition, page_size);
    return walk_listing(source, partition.label(), std::move(from), stop_flag, sink);
}

template <typename Page>
bool walk_listing(PageSource<Page>& source, const std::string& label, PagePosition from,
                  const std::atomic<bool>* stop_flag, ListingSink<Page>& sink)
{
    PagePosition at = from; // the next request's window and token

    std::set<std::string> seen_tokens;
    bool restart_allowed = true; // once until the next committed page
    // Restarts in a row from one point: pages of rejected jobs move no
    // restart point, so a service refusing every token would loop forever.
    int restarts_from_point = 0;
    std::optional<UnixSeconds> restart_point;
    for (;;) {
        if (stop_flag != nullptr && stop_flag->load()) {
            return false;
        }
        Page page;
        try {
            page = source.fetch(at);
        } catch (const PartitionError& e) {
            if (at.next_token.empty() || !restart_allowed || !is_rejected_token(e)) {
                throw;
            }
            const bool same_point =
                restarts_from_point > 0 && restart_point == from.restart_start();
            restarts_from_point = same_point ? restarts_from_point + 1 : 1;
            restart_point = from.restart_start();
            if (restarts_from_point > kMaxRestartsFromOnePoint) {
                log_warn(
                    "the service keeps refusing continuation tokens past the same point; "
                    "giving up on this walk",
                    {{"partition", label}, {"restarts", std::to_string(kMaxRestartsFromOnePoint)}});
                throw;
            }
            restart_allowed = false;
            log_warn("continuation token rejected; restarting the walk from the last committed job",
                     {{"partition", label}, {"error", e.what()}});
            from.start = from.restart_start();
            sink.on_restart(from.start);
            at.start = from.start;
            at.next_token.clear();
            // The restarted walk may be handed the same tokens again.
            seen_tokens.clear();
            continue;
        }
        const bool token_repeats =
            !page.next_token.empty() && !seen_tokens.insert(page.next_token).second;
        const bool last_page = ends_walk(page) || token_repeats;
        if (!last_page) {
            // Fetch page N+1 while page N is handled; the caller records N's
            // token only after N commits.
            at.next_token = page.next_token;
            source.start(at);
        }
        sink.on_page(page, last_page);
        // A page of rejected jobs only leaves the restart point where it
        // was: a restart reads it again (quarantined again, never skipped).
        if (const auto newest = newest_creation_time(page)) {
            from.newest_committed = std::max(from.newest_committed.value_or(*newest), *newest);
        }
        restart_allowed = true;
        source.recycle(std::move(page)); // page N+2 is received into its memory
        if (token_repeats) {
            log_warn("the service repeated a continuation token; treating it as the last page",
                     {{"partition", label}});
        }
        if (last_page) {
            return true;
        }
    }
}

template bool walk_listing(PageSource<JobsPage>&, const std::string&, PagePosition,
                           const std::atomic<bool>*, ListingSink<JobsPage>&);
template bool walk_listing(PageSource<WorkflowRunPage>&, const std::string&, PagePosition,
                           const std::atomic<bool>*, ListingSink<WorkflowRunPage>&);
template bool walk_listing(PageSource<BatchJobPage>&, const std::string&, PagePosition,
                           const std::atomic<bool>*, ListingSink<BatchJobPage>&);

} // namespace jobsync
