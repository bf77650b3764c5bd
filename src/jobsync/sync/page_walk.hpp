// The one paging policy of sync, verify and backfill: a listing page by page
// over one partition's creation-time window, oldest first: GET /jobs, and for
// the other partition kinds GET /workflowexecution and /inventorytriggerjob.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/parse/batch_job_page.hpp"
#include "jobsync/parse/workflow_pages.hpp"
#include "jobsync/sync/partition.hpp"

#include <atomic>
#include <optional>
#include <string>

namespace jobsync {

// True when a request that carried a continuation token failed because the
// service rejected the token (expired or invalid: a 4xx other than 403).
bool is_rejected_token(const PartitionError& error);

// The newest creation time of the page's jobs; nullopt for a page without
// a stored job (empty, or every job rejected by the parser).
std::optional<UnixSeconds> newest_creation_time(const JobsPage& page);
std::optional<UnixSeconds> newest_creation_time(const WorkflowRunPage& page);
std::optional<UnixSeconds> newest_creation_time(const BatchJobPage& page);

// True when the page ends its walk by itself: its NextToken is empty or
// absent, or it holds no job at all. A page whose jobs were all rejected by
// the parser holds jobs: it is committed (they go to quarantine) and the walk
// goes on with its token.
bool ends_walk(const JobsPage& page);
bool ends_walk(const WorkflowRunPage& page);
bool ends_walk(const BatchJobPage& page);

// Where a walk stands: its window, the token to continue from, and the
// newest creation time its caller has committed so far. The window's bounds
// are exclusive, as GET /jobs takes them, whatever the listing: the listings
// with inclusive bounds are sent [start + 1, end - 1] (inclusive_query), so
// windows, slices and restarts meet the same way for every kind.
struct PagePosition {
    std::optional<UnixSeconds> start, end;
    std::string next_token;                      // "" => from the start of the window
    std::optional<UnixSeconds> newest_committed; // nullopt => nothing committed yet

    // Where a walk restarts without a token: the newest committed creation
    // time minus one second (bounds are exclusive, so the jobs sharing that
    // second are read again: never skipping ahead), else the window start.
    std::optional<UnixSeconds> restart_start() const;
};

// True when a stored token is older than max_age_seconds: it is not resumed,
// the walk restarts from restart_start().
bool token_too_old(const std::string& next_token, std::optional<UnixSeconds> issued_at,
                   long max_age_seconds);

// The GET /jobs query of the partition's walk at `from`, oldest first.
ListJobsQuery window_query(const Partition& partition, int page_size, const PagePosition& from);

// The /workflowexecution or /inventorytriggerjob query at `at`: the
// exclusive bounds made inclusive (start + 1, end - 1), so a window's next
// window (which starts at the second before its end) reads each second once,
// and a restart from restart_start() reads the newest committed second again
// but not the one before it. nullopt when no second is left between them.
std::optional<ListingQuery> inclusive_query(const std::string& workflow_id, int page_size,
                                            const PagePosition& at);

// A listing's pages by position (window and token).
template <typename Page> class PageSource {
public:
    virtual ~PageSource() = default;
    // The page at `at`: the one start() began for the same position, or fetched now.
    virtual Page fetch(const PagePosition& at) = 0;
    // May begin fetching the page at `at` while the current one is handled.
    virtual void start(const PagePosition& at) { (void)at; }
    // The caller is done with `page` (its memory may be reused).
    virtual void recycle(Page&& page) { (void)page; }
};

// What the caller does with the pages: sync writes them with the checkpoint,
// verify compares them, backfill writes them.
template <typename Page> class ListingSink {
public:
    virtual ~ListingSink() = default;
    // One page, oldest first; last_page when the walk ends with it. When this
    // returns, the page counts as committed.
    virtual void on_page(const Page& page, bool last_page) = 0;
    // A rejected token restarts the walk from `start` with no token.
    virtual void on_restart(std::optional<UnixSeconds> start) = 0;
};
using PageSink = ListingSink<JobsPage>;

// At most this many restarts in a row from one restart point (a run of
// pages of rejected jobs moves none): then the refusal fails the walk.
inline constexpr int kMaxRestartsFromOnePoint = 10;

// Walks a listing's window from `from`, fetching the next page while the
// sink handles the current one. Stops after a page that ends_walk or a
// repeated token. A rejected token restarts the walk once per committed page
// from from.restart_start(), forgetting the tokens seen before: a service
// whose tokens are positions hands them out again; more than
// kMaxRestartsFromOnePoint restarts in a row from one point fail the walk.
// Returns false when *stop_flag was set; throws PartitionError when the
// service fails. `label` names the partition in logs.
template <typename Page>
bool walk_listing(PageSource<Page>& source, const std::string& label, PagePosition from,
                  const std::atomic<bool>* stop_flag, ListingSink<Page>& sink);

// walk_listing over the partition's GET /jobs pages (prefetched on a thread).
bool walk_pages(CiClient& client, const Partition& partition, int page_size, PagePosition from,
                const std::atomic<bool>* stop_flag, PageSink& sink);

} // namespace jobsync
