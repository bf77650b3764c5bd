// The sync_rounds and sync_workers rows: the round in progress (one pass of
// the workers of a database over its partitions) and who takes part in it.
// The units of work they claim are unit_store's. Every function opens and
// commits its own transaction (callers wrap it in db_retry's perform).
#pragma once

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobsync {

// A partition as the claim table names it.
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

// The round in progress, for `status`: who holds which unit.
struct RoundHolder {
    ClaimKey key;
    bool plan_unit = true; // false: slice `slice` of plan `plan_id`
    long long plan_id = 0;
    int slice = 0;
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

// The worker's partitions as three text[] parameters for unnest.
struct KeyArrays {
    explicit KeyArrays(const std::vector<ClaimKey>& keys);
    std::string bucket, tag, queue_id;
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

// The SQL condition "the worker named by id_column is alive": its lease
// (lease_column) runs and its session still holds its presence lock
// (prefix_param: the parameter holding presence_prefix).
std::string alive_sql(const std::string& lease_column, const std::string& id_column,
                      const std::string& prefix_param);

// Workers in the round that are alive, this one included (at least 1).
long live_workers(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Closes the round if every claim is done, failed or skipped.
void close_if_finished(pqxx::connection& conn, long long round_id);

// Renews the worker's lease (its presence in the round; the leases of its
// claims are renewed by the walks that hold them); returns the number of
// workers walking in the round (at least 1).
long renew(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Releases the worker's walking claims, removes it, and closes the round if
// it is finished or no other worker is left in it.
void leave(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

} // namespace round_store
} // namespace jobsync
