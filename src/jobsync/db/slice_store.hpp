// The sync_slices rows of a partition: the slice plan of a split window and
// each slice's walk, written in the same transaction as the page it follows.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/partition.hpp"

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

// A slice's row: its window and where its walk stands.
struct SliceCheckpoint {
    int slice = 0;
    SliceWindow window;
    std::string next_token;
    std::optional<UnixSeconds> token_issued_at;
    std::optional<UnixSeconds> last_creation_time;
    long pages = 0;
    long jobs = 0;
    bool done = false;
};

namespace slice_store {

// The partition's plan, slice by slice; empty when its walk is not split.
std::vector<SliceCheckpoint> load_plan(pqxx::transaction_base& txn, const Partition& partition);

// Slice k of the plan; throws std::out_of_range when the plan has no such slice.
SliceCheckpoint load_slice(pqxx::transaction_base& txn, const Partition& partition, int slice);

// Stores a new plan: slice k walks windows[k]. The partition must have none.
void create_plan(pqxx::transaction_base& txn, const Partition& partition,
                 const std::vector<SliceWindow>& windows);

// After a page of slice k: the token to continue from, the newest creation
// time committed, and the slice's page and job counts.
void record_page(pqxx::transaction_base& txn, const Partition& partition, int slice,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page);

// Restarts slice k without a token from `start` (a rejected or too old
// token), never skipping ahead.
void restart_slice(pqxx::transaction_base& txn, const Partition& partition, int slice,
                   std::optional<UnixSeconds> start);

// Slice k walked to its end.
void complete_slice(pqxx::transaction_base& txn, const Partition& partition, int slice);

// Deletes the plan (when every slice is done, with the partition's cursor
// moving in the same transaction).
void delete_plan(pqxx::transaction_base& txn, const Partition& partition);

} // namespace slice_store
} // namespace jobsync
