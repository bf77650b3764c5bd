// Which partition a worker thread walks next: claimed in the round, so the
// workers of one database walk each partition once per round.
#pragma once

#include "jobsync/db/db_session.hpp"
#include "jobsync/sync/partition.hpp"
#include "jobsync/sync/partition_walker.hpp"
#include "jobsync/sync/round_membership.hpp"

#include <atomic>
#include <vector>

namespace jobsync {

class RoundClaims {
public:
    RoundClaims(RoundMembership& round, const std::vector<Partition>& partitions,
                const std::atomic<bool>* stop_flag);

    // The next partition this thread walks (on its own connection), or
    // nullptr when none is left for it. While another worker walks one of
    // ours, waits: if that worker dies, its partition is taken over.
    const Partition* claim(DbSession& db);

    // Records how the walk ended: done, failed or skipped, and an
    // interrupted walk goes back to todo for another worker.
    void finish(DbSession& db, const Partition& partition, PartitionStatus status);

private:
    bool stopping() const { return stop_flag_ != nullptr && stop_flag_->load(); }
    bool pause(); // one beat, false when stopping

    RoundMembership& round_;
    const std::vector<Partition>& partitions_;
    const std::atomic<bool>* stop_flag_;
};

} // namespace jobsync
