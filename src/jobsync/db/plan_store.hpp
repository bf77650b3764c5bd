// The sync_plans and sync_slices rows: a partition's walk in progress, as a
// plan (the frozen window) of one or more time slices, each slice holding its
// walk's state. Every write of a slice is fenced by the caller's claim on it
// (unit_store::hold, in the same transaction).
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/domain/partition.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

// One slice of a window: the jobs created after start and before end.
struct SliceWindow {
    std::optional<UnixSeconds> start; // nullopt => from the oldest job
    UnixSeconds end = 0;
};

// A plan as stored: its identity and frozen window.
struct Plan {
    long long plan_id = 0;
    SliceWindow window;
    int slices = 1; // more than one: a split window
};

// A slice's row: its window and where its walk stands.
struct SliceState {
    int slice = 0;
    SliceWindow window;
    std::string next_token;
    std::optional<UnixSeconds> token_issued_at;
    std::optional<UnixSeconds> last_creation_time;
    long pages = 0;
    long jobs = 0;
    bool done = false;
};

// Which claim of which slice a walker holds (unit_store's fence, repeated in
// the WHERE of every slice write).
struct SliceClaim {
    long long round_id = 0;
    std::string worker_id;
    long long claim_no = 0;
    long long plan_id = 0;
    int slice = 0;
};

namespace plan_store {

// The partition's plan, if a walk is in progress.
std::optional<Plan> find_plan(pqxx::transaction_base& txn, const Partition& partition);

// The plan's slices, in order.
std::vector<SliceState> load_slices(pqxx::transaction_base& txn, long long plan_id);

// Slice k of the plan; nullopt when the plan (or the slice) is gone: a plan is
// deleted only with its last page, so its slices are all done.
std::optional<SliceState> load_slice(pqxx::transaction_base& txn, long long plan_id, int slice);

// Stores a new plan over `window` (the partition has none): slice k walks
// slices[k]. Also names the window in sync_checkpoints (walk_window_*, status
// running) for readers of that row. Returns the plan id.
long long create_plan(pqxx::transaction_base& txn, const Partition& partition,
                      const SliceWindow& window, const std::vector<SliceWindow>& slices);

// After a page of the slice: the token to continue from, the newest creation
// time committed, the page and job counts. False when no row was updated:
// the plan is gone or the claim is no longer held (the caller rolls back).
bool record_page(pqxx::transaction_base& txn, const SliceClaim& claim,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page);

// Restarts the slice without a token from `start` (a rejected or too old
// token), never skipping ahead. False as for record_page.
bool restart_slice(pqxx::transaction_base& txn, const SliceClaim& claim,
                   std::optional<UnixSeconds> start);

// The slice walked to its end, in its last page's transaction: marks it done
// and, when it was the plan's last, moves the partition's cursor to the plan's
// window end and deletes the plan (true). Serialized on the plan's row, so two
// slices ending at once cannot both see the other unfinished.
bool complete_slice(pqxx::transaction_base& txn, long long plan_id, int slice);

// Closes a plan whose slices are all done (left so by a stop between a last
// page and the close): cursor moved, plan deleted. False when a slice is left.
bool close_if_done(pqxx::transaction_base& txn, long long plan_id);

// True when the plan was made before round_id opened: a killed or abandoned
// run's plan, resumed by this round.
bool made_before_round(pqxx::transaction_base& txn, long long plan_id, long long round_id);

} // namespace plan_store
} // namespace jobsync
