// The one paging policy of sync, verify and backfill: GET /jobs page by page
// over one partition's creation-time window, oldest first.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/core/errors.hpp"
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

// True when the page ends its walk by itself: its NextToken is empty or
// absent, or it holds no job at all. A page whose jobs were all rejected by
// the parser holds jobs: it is committed (they go to quarantine) and the walk
// goes on with its token.
bool ends_walk(const JobsPage& page);

// Where a walk stands: its window, the token to continue from, and the
// newest creation time its caller has committed so far.
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

// What the caller does with the pages: sync writes them with the checkpoint,
// verify compares them, backfill writes them.
class PageSink {
public:
    virtual ~PageSink() = default;
    // One page, oldest first; last_page when the walk ends with it. When this
    // returns, the page counts as committed.
    virtual void on_page(const JobsPage& page, bool last_page) = 0;
    // A rejected token restarts the walk from `start` with no token.
    virtual void on_restart(std::optional<UnixSeconds> start) = 0;
};

// At most this many restarts in a row from one restart point (a run of
// pages of rejected jobs moves none): then the refusal fails the walk.
inline constexpr int kMaxRestartsFromOnePoint = 10;

// Walks the partition's window from `from`, fetching the next page while the
// sink handles the current one. Stops after a page that ends_walk or a
// repeated token. A rejected token restarts the walk once per committed page
// from from.restart_start(), forgetting the tokens seen before: a service
// whose tokens are positions hands them out again; more than
// kMaxRestartsFromOnePoint restarts in a row from one point fail the walk.
// Returns false when *stop_flag was set; throws PartitionError when the
// service fails.
bool walk_pages(CiClient& client, const Partition& partition, int page_size, PagePosition from,
                const std::atomic<bool>* stop_flag, PageSink& sink);

} // namespace jobsync
