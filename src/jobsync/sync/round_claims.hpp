// Which partition, or time slice of one, a worker thread walks next: claimed
// in the round, so the workers of one database walk each partition and each
// slice once per round.
#pragma once

#include "jobsync/db/db_session.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/partition_walker.hpp"
#include "jobsync/sync/round_membership.hpp"

#include <atomic>
#include <optional>
#include <vector>

namespace jobsync {

// A claimed piece of work: a partition's walk, or one time slice of its plan.
struct ClaimedWork {
    const Partition* partition = nullptr; // nullptr: nothing left for this thread
    std::optional<int> slice;             // the plan's slice index; nullopt: the partition
};

class RoundClaims {
public:
    RoundClaims(RoundMembership& round, const std::vector<Partition>& partitions,
                const std::atomic<bool>* stop_flag);

    // The next partition or slice this thread walks (on its own connection),
    // or no partition when none is left for it. While another worker walks
    // one of ours, waits: if that worker dies, its claims are taken over, and
    // a worker that plans slices adds slice claims meanwhile.
    ClaimedWork claim(DbSession& db);

    // Records how the walk ended: done, failed or skipped, and an
    // interrupted walk goes back to todo for another worker.
    void finish(DbSession& db, const Partition& partition, std::optional<int> slice,
                PartitionStatus status);

    // For the walker that plans a partition's slices, on its own connection
    // inside its walk (whose retry redoes the walk from its checkpoint).
    long live_workers(pqxx::connection& conn);
    long partitions_todo(pqxx::connection& conn);
    void offer_slices(pqxx::connection& conn, const Partition& partition,
                      const std::vector<int>& slices);
    std::vector<int> failed_slices(pqxx::connection& conn, const Partition& partition);

    // For the threads that walk its slices, each on its own session. An
    // empty claim is tried again, briefly, while a slice row is still todo.
    std::optional<int> claim_slice(DbSession& db, const Partition& partition);
    bool slices_pending(DbSession& db, const Partition& partition);

    // Waits a moment before looking at the claims again: half a second, or
    // the heartbeat's beat when shorter, so a slice offered or freed is
    // walked soon. False when stopping.
    bool poll();

private:
    bool stopping() const { return stop_flag_ != nullptr && stop_flag_->load(); }
    const Partition& known(const ClaimKey& key) const;

    RoundMembership& round_;
    const std::vector<Partition>& partitions_;
    const std::atomic<bool>* stop_flag_;
};

} // namespace jobsync
