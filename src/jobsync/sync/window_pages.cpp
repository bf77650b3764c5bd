#include "jobsync/sync/window_pages.hpp"

#include "jobsync/core/logger.hpp"

#include <algorithm>
#include <set>

namespace jobsync {

bool is_rejected_token(const PartitionError& error)
{
    const long status = error.details().http_status;
    return status >= 400 && status < 500 && status != 403;
}

void walk_window(CiClient& client, const Partition& partition, int page_size,
                 std::optional<UnixSeconds> start, std::optional<UnixSeconds> end,
                 const std::atomic<bool>* stop_flag, const PageVisitor& visit)
{
    ListJobsQuery query;
    query.tag = partition.tag;
    query.queue_id = partition.queue_id;
    query.queue_type = partition.source->queue_type;
    query.start_creation_time = start;
    query.end_creation_time = end;
    query.size = page_size;
    std::optional<UnixSeconds> newest;
    std::set<std::string> seen_tokens;
    bool restart_allowed = true; // once until the next page arrives
    for (;;) {
        if (stop_flag != nullptr && stop_flag->load()) {
            throw RunError("interrupted");
        }
        JobsPage page;
        try {
            page = client.list_jobs(query);
        } catch (const PartitionError& e) {
            if (query.next_token.empty() || !restart_allowed || !is_rejected_token(e)) {
                throw;
            }
            log_warn("continuation token rejected; restarting from the newest job seen",
                     {{"partition", partition.label()}, {"error", e.what()}});
            restart_allowed = false;
            query.next_token.clear();
            if (newest) {
                query.start_creation_time = *newest - 1; // exclusive bound: one second early
            }
            continue;
        }
        restart_allowed = true;
        for (const JobRecord& job : page.jobs) {
            newest = std::max(newest.value_or(job.creation_time), job.creation_time);
        }
        visit(page);
        if (page.next_token.empty() || page.jobs.empty() ||
            !seen_tokens.insert(page.next_token).second) {
            return;
        }
        query.next_token = page.next_token;
        client.recycle(std::move(page)); // the next page is received into its memory
    }
}

} // namespace jobsync
