#include "jobsync/sync/round_claims.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_retry.hpp"

#include <algorithm>
#include <thread>

namespace jobsync {
namespace {

const char* claim_state(PartitionStatus status)
{
    switch (status) {
    case PartitionStatus::ok:
        return "done";
    case PartitionStatus::failed:
        return "failed";
    case PartitionStatus::skipped:
        return "skipped"; // another process holds its lock: it walks it
    case PartitionStatus::interrupted:
        return "todo";
    }
    return "failed";
}

ClaimKey key_of(const Partition& partition)
{
    return {partition.bucket(), partition.tag, partition.queue_id};
}

} // namespace

RoundClaims::RoundClaims(RoundMembership& round, const std::vector<Partition>& partitions,
                         const std::atomic<bool>* stop_flag)
    : round_(round), partitions_(partitions), stop_flag_(stop_flag)
{
}

bool RoundClaims::pause()
{
    constexpr auto kSlice = std::chrono::milliseconds(100);
    for (auto waited = std::chrono::milliseconds(0); waited < round_.beat(); waited += kSlice) {
        if (stopping()) {
            return false;
        }
        std::this_thread::sleep_for(kSlice);
    }
    return !stopping();
}

const Partition* RoundClaims::claim(DbSession& db)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    const RoundWorker& worker = round_.worker();
    bool said_waiting = false;
    while (!stopping()) {
        const std::optional<Claim> claim = perform(
            db, "claiming a partition",
            [&] { return round_store::claim_next(db.conn(), round_.round_id(), worker); }, retry);
        if (claim) {
            round_.take_share(claim->live_walkers);
            const auto found =
                std::find_if(partitions_.begin(), partitions_.end(),
                             [&](const Partition& p) { return key_of(p) == claim->key; });
            if (found == partitions_.end()) { // claim_next offers only the ones listed
                throw RunError("claimed a partition this worker does not know: " +
                               claim->key.bucket + "/" + claim->key.tag);
            }
            if (claim->taken_over) {
                log_info("taking over a partition whose worker is gone; its walk resumes from "
                         "the checkpoint",
                         {{"partition", found->label()}});
            }
            return &*found;
        }
        const RoundLeft left = perform(
            db, "looking at the round",
            [&] { return round_store::what_is_left(db.conn(), round_.round_id(), worker); }, retry);
        if (left != RoundLeft::wait) {
            return nullptr;
        }
        if (!said_waiting) {
            log_debug("waiting for partitions another worker walks",
                      {{"round", std::to_string(round_.round_id())}});
            said_waiting = true;
        }
        if (!pause()) {
            break;
        }
    }
    return nullptr;
}

void RoundClaims::finish(DbSession& db, const Partition& partition, PartitionStatus status)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    perform(
        db, "recording the partition's claim",
        [&] {
            round_store::finish_claim(db.conn(), round_.round_id(), round_.worker(),
                                      key_of(partition), claim_state(status));
        },
        retry);
}

} // namespace jobsync
