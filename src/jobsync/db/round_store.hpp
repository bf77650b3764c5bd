// The sync_rounds, sync_claims and sync_workers rows: which worker walks
// which partition in the round in progress. Every function opens and commits
// its own transaction (callers wrap it in db_retry's perform).
#pragma once

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobsync {

// A partition as the claim table names it. Its claim rows: slice 0 is the
// whole partition (its walk, and the planning of its slices), slice k + 1 is
// time slice k of its sync_slices plan.
struct ClaimKey {
    std::string bucket, tag, queue_id;
    bool operator==(const ClaimKey& other) const
    {
        return bucket == other.bucket && tag == other.tag && queue_id == other.queue_id;
    }
};

// Who is asking, and the partitions it may walk.
struct RoundWorker {
    std::string schema;    // advisory lock keys are per schema
    std::string worker_id; // host:pid:random
    long lease_seconds = 60;
    std::vector<ClaimKey> partitions;
};

struct Claim {
    ClaimKey key;
    int slice = 0;           // the claim row: 0 the partition, k + 1 its time slice k
    bool taken_over = false; // from a worker that was gone
    long live_walkers = 1;   // workers walking in the round, this one included
};

// What is left of the round for a worker that found nothing to claim.
enum class RoundLeft {
    finished,   // every claim is done, failed or skipped: the round is closed
    wait,       // another worker walks one of our partitions (it may die), or one is todo
                // (a claim in flight skipped it): look again
    none_for_us // the rest is walked by this process or is not ours to walk
};

// The round in progress, for `status`.
struct RoundHolder {
    ClaimKey key;
    int slice = 0; // the claim row: 0 the partition, k + 1 its time slice k
    std::string worker_id;
    long lease_seconds_left = 0; // negative: expired, about to be taken over
};
struct RoundView {
    long long round_id = 0;
    std::string opened_at; // ISO 8601 UTC
    long partitions = 0;
    long todo = 0, walking = 0, done = 0, failed = 0, skipped = 0;
    std::vector<RoundHolder> holders;                  // one per walking claim
    std::vector<std::pair<std::string, long>> workers; // worker id, lease seconds left
};

namespace round_store {

// The open round, if any (nullopt too when the schema predates rounds).
std::optional<RoundView> open_round(pqxx::transaction_base& txn);

// The prefix of the presence lock keys of a schema's workers: the key of a
// worker is hashtextextended(prefix || worker_id, 0).
std::string presence_prefix(const std::string& schema);

// Takes the worker's presence lock (a session advisory lock on its id, held
// by this connection until it closes): while it is held, the worker is alive.
void hold_presence(pqxx::connection& conn, const RoundWorker& worker);

// Closes the open round if it is finished or all its workers are gone, then
// joins the open round or opens one, adds the worker's partitions that it
// lacks and records the worker. Serialized by a transaction-level advisory
// lock, so N workers starting at once join one round. Returns its id.
long long join(pqxx::connection& conn, const RoundWorker& worker, const std::string& host, int pid);

// Claims the next claim row (a partition or a time slice) of ours that is
// todo, or walking by a worker that is gone (lease expired or session
// closed): FOR UPDATE SKIP LOCKED.
std::optional<Claim> claim_next(pqxx::connection& conn, long long round_id,
                                const RoundWorker& worker);

// The same, among the time-slice rows (slice > 0) of one partition only.
std::optional<Claim> claim_slice_of(pqxx::connection& conn, long long round_id,
                                    const RoundWorker& worker, const ClaimKey& key);

// Adds a todo claim row for each time slice of the partition's plan (plan
// index k: row k + 1); rows the round has already are kept as they are.
void add_slice_claims(pqxx::connection& conn, long long round_id, const ClaimKey& key,
                      const std::vector<int>& slices);

// The partition's time-slice rows still todo or walking, by any worker.
long slice_claims_pending(pqxx::connection& conn, long long round_id, const ClaimKey& key);
// Of those, the ones todo (no worker has claimed them).
long slice_claims_todo(pqxx::connection& conn, long long round_id, const ClaimKey& key);

// The partition's time-slice rows that failed in the round (plan indexes).
std::vector<int> failed_slices(pqxx::connection& conn, long long round_id, const ClaimKey& key);

// Workers in the round that are alive, this one included (at least 1).
long live_workers(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Partitions of the round no worker has claimed yet (time slices not counted).
long partitions_todo(pqxx::connection& conn, long long round_id);

// state: done, failed or skipped; todo releases the claim for another worker.
// Does nothing if the claim was taken over meanwhile.
void finish_claim(pqxx::connection& conn, long long round_id, const RoundWorker& worker,
                  const ClaimKey& key, int slice, const std::string& state);

// After claim_next found nothing: closes the round when it is finished.
RoundLeft what_is_left(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Renews the worker's lease and those of its walking claims; returns the
// number of workers walking in the round (at least 1).
long renew(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Releases the worker's walking claims, removes it, and closes the round if
// it is finished or no other worker is left in it.
void leave(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

} // namespace round_store
} // namespace jobsync
