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

std::optional<UnixSeconds> newest_creation_time(const JobsPage& page)
{
    std::optional<UnixSeconds> newest;
    for (const JobRecord& job : page.jobs) {
        newest = std::max(newest.value_or(job.creation_time), job.creation_time);
    }
    return newest;
}

bool ends_walk(const JobsPage& page)
{
    return page.next_token.empty() || (page.jobs.empty() && page.rejected.empty());
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

bool walk_pages(CiClient& client, const Partition& partition, int page_size, PagePosition from,
                const std::atomic<bool>* stop_flag, PageSink& sink)
{
    ListJobsQuery query = window_query(partition, page_size, from);

    std::set<std::string> seen_tokens;
    bool restart_allowed = true; // once until the next committed page
    // Restarts in a row from one point: pages of rejected jobs move no
    // restart point, so a service refusing every token would loop forever.
    int restarts_from_point = 0;
    std::optional<UnixSeconds> restart_point;
    PagePrefetcher prefetcher(client);
    for (;;) {
        if (stop_flag != nullptr && stop_flag->load()) {
            return false;
        }
        JobsPage page;
        try {
            page = prefetcher.fetch(query);
        } catch (const PartitionError& e) {
            if (query.next_token.empty() || !restart_allowed || !is_rejected_token(e)) {
                throw;
            }
            const bool same_point =
                restarts_from_point > 0 && restart_point == from.restart_start();
            restarts_from_point = same_point ? restarts_from_point + 1 : 1;
            restart_point = from.restart_start();
            if (restarts_from_point > kMaxRestartsFromOnePoint) {
                log_warn("the service keeps refusing continuation tokens past the same point; "
                         "giving up on this walk",
                         {{"partition", partition.label()},
                          {"restarts", std::to_string(kMaxRestartsFromOnePoint)}});
                throw;
            }
            restart_allowed = false;
            log_warn("continuation token rejected; restarting the walk from the last committed job",
                     {{"partition", partition.label()}, {"error", e.what()}});
            from.start = from.restart_start();
            sink.on_restart(from.start);
            query.start_creation_time = from.start;
            query.next_token.clear();
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
            ListJobsQuery next = query;
            next.next_token = page.next_token;
            prefetcher.start(next);
            query.next_token = page.next_token;
        }
        sink.on_page(page, last_page);
        // A page of rejected jobs only leaves the restart point where it
        // was: a restart reads it again (quarantined again, never skipped).
        if (const auto newest = newest_creation_time(page)) {
            from.newest_committed = std::max(from.newest_committed.value_or(*newest), *newest);
        }
        restart_allowed = true;
        client.recycle(std::move(page)); // page N+2 is received into its memory
        if (token_repeats) {
            log_warn("the service repeated a continuation token; treating it as the last page",
                     {{"partition", partition.label()}});
        }
        if (last_page) {
            return true;
        }
    }
}

} // namespace jobsync
