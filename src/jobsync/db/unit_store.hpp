// The units of work of a round (sync_claims rows): a partition's plan unit
// (freeze its window, refresh, probe, write its plan) and one unit per slice
// of a plan. A thread claims one (FOR UPDATE SKIP LOCKED, a lease on the
// database clock), runs it, and ends it; the walk renews the lease in each of
// its page transactions (hold), where it also learns whether it still holds it.
#pragma once

#include "jobsync/db/round_store.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

// A unit as its claim row names it.
struct UnitKey {
    ClaimKey partition;
    long long plan_id = 0;  // 0: the partition's plan unit
    int slice = 0;          // the plan's slice (a slice unit)
    long long claim_no = 0; // which claim of the unit is held (sync_claims.claim_no)

    bool is_plan() const { return plan_id == 0; }
};

struct ClaimedUnit {
    UnitKey key;
    bool taken_over = false; // from a worker that was gone or whose lease ran out
    long live_walkers = 1;   // workers walking in the round, this one included
};

// Who holds a unit: the worker in its round, with the lease it renews.
struct UnitHolder {
    long long round_id = 0;
    std::string worker_id;
    long lease_seconds = 60;
};

namespace unit_store {

// The channel a NOTIFY goes to when units appear or end (per schema).
std::string channel(const std::string& schema);

// Claims the next unit of ours that is todo, or walking by a worker that is
// gone or whose lease ran out: taken-over first, slices before plan units.
// Nothing once the round is closed (a worker resumed after its round was
// abandoned gets nothing more of it).
std::optional<ClaimedUnit> claim_next(pqxx::connection& conn, long long round_id,
                                      const RoundWorker& worker);

// In the caller's transaction: true while holder still holds the unit (the
// claim row, locked until the commit, names it walking), renewing its lease;
// false when it was taken over or released (the caller rolls back).
bool hold(pqxx::transaction_base& txn, const UnitHolder& holder, const UnitKey& unit);

// True while holder still holds the unit (a read: no lock, no renewal), for
// a walk that starts or resumes.
bool still_holds(pqxx::transaction_base& txn, const UnitHolder& holder, const UnitKey& unit);

// In the caller's (fenced) transaction: a todo unit per slice of the plan,
// and, for `walking_slice`, a unit already claimed by holder (claim 1: a new
// plan's one slice, walked by its planner at once). Units the round has
// already are kept.
// Notifies the channel at commit.
void add_slice_units(pqxx::transaction_base& txn, const std::string& schema,
                     const UnitHolder& holder, const ClaimKey& partition, long long plan_id,
                     const std::vector<int>& slices, std::optional<int> walking_slice);

// In the transaction that closed a plan carried over from before the round
// opened (a killed run's): the partition's plan unit, done in this round, is
// todo again, so the round also plans the window since the old plan's end. A
// run after a kill thus catches up instead of only finishing the old walk.
// Notifies the channel when it reopened the unit.
void reopen_plan_unit(pqxx::transaction_base& txn, const std::string& schema, long long round_id,
                      const ClaimKey& partition);

// state: done, failed or skipped; todo releases the unit for another worker.
// Does nothing if the unit was taken over meanwhile. Notifies the channel.
void finish(pqxx::connection& conn, const std::string& schema, const UnitHolder& holder,
            const UnitKey& unit, const std::string& state);

// Plan units of the round being run by live workers (this one included): they
// may add slice units, so a thread with nothing to claim waits for a NOTIFY.
long plans_running(pqxx::connection& conn, long long round_id, const RoundWorker& worker);

// Plan units of the round no worker has claimed yet.
long plans_todo(pqxx::connection& conn, long long round_id);

} // namespace unit_store
} // namespace jobsync
