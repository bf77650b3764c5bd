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

void log_takeover(const Partition& partition, std::optional<int> slice)
{
    if (slice) {
        log_info("taking over a time slice whose worker is gone; its walk resumes from the "
                 "slice's checkpoint",
                 {{"partition", partition.label()}, {"slice", std::to_string(*slice)}});
    } else {
        log_info("taking over a partition whose worker is gone; its walk resumes from the "
                 "checkpoint",
                 {{"partition", partition.label()}});
    }
}

} // namespace

RoundClaims::RoundClaims(RoundMembership& round, const std::vector<Partition>& partitions,
                         const std::atomic<bool>* stop_flag)
    : round_(round), partitions_(partitions), stop_flag_(stop_flag)
{
}

bool RoundClaims::poll()
{
    constexpr auto kSlice = std::chrono::milliseconds(50);
    const auto interval =
        std::min<std::chrono::milliseconds>(round_.beat(), std::chrono::milliseconds(500));
    for (auto waited = std::chrono::milliseconds(0); waited < interval; waited += kSlice) {
        if (stopping()) {
            return false;
        }
        std::this_thread::sleep_for(kSlice);
    }
    return !stopping();
}

const Partition& RoundClaims::known(const ClaimKey& key) const
{
    const auto found = std::find_if(partitions_.begin(), partitions_.end(),
                                    [&](const Partition& p) { return key_of(p) == key; });
    if (found == partitions_.end()) { // the claims offer only the ones listed
        throw RunError("claimed a partition this worker does not know: " + key.bucket + "/" +
                       key.tag);
    }
    return *found;
}

ClaimedWork RoundClaims::claim(DbSession& db)
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
            ClaimedWork work{&known(claim->key), std::nullopt};
            if (claim->slice > 0) {
                work.slice = claim->slice - 1;
            }
            if (claim->taken_over) {
                log_takeover(*work.partition, work.slice);
            }
            return work;
        }
        const RoundLeft left = perform(
            db, "looking at the round",
            [&] { return round_store::what_is_left(db.conn(), round_.round_id(), worker); }, retry);
        if (left != RoundLeft::wait) {
            return {};
        }
        if (!said_waiting) {
            log_debug("waiting for partitions another worker walks",
                      {{"round", std::to_string(round_.round_id())}});
            said_waiting = true;
        }
        if (!poll()) {
            break;
        }
    }
    return {};
}

void RoundClaims::finish(DbSession& db, const Partition& partition, std::optional<int> slice,
                         PartitionStatus status)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    perform(
        db, "recording the claim's end",
        [&] {
            round_store::finish_claim(db.conn(), round_.round_id(), round_.worker(),
                                      key_of(partition), slice ? *slice + 1 : 0,
                                      claim_state(status));
        },
        retry);
}

long RoundClaims::live_workers(pqxx::connection& conn)
{
    return round_store::live_workers(conn, round_.round_id(), round_.worker());
}

long RoundClaims::partitions_todo(pqxx::connection& conn)
{
    return round_store::partitions_todo(conn, round_.round_id());
}

void RoundClaims::offer_slices(pqxx::connection& conn, const Partition& partition,
                               const std::vector<int>& slices)
{
    round_store::add_slice_claims(conn, round_.round_id(), key_of(partition), slices);
}

std::vector<int> RoundClaims::failed_slices(pqxx::connection& conn, const Partition& partition)
{
    return round_store::failed_slices(conn, round_.round_id(), key_of(partition));
}

std::optional<int> RoundClaims::claim_slice(DbSession& db, const Partition& partition)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    // Threads that end their slices at the same instant claim at once, and a
    // claim can come back empty while rows are still todo: ending the thread
    // then left the rest of the plan to fewer threads. So an empty claim is
    // believed only once no slice row is todo (as claim() waits on todo rows).
    for (int attempt = 0; attempt < 20 && !stopping(); ++attempt) {
        const std::optional<Claim> claim = perform(
            db, "claiming a time slice",
            [&] {
                return round_store::claim_slice_of(db.conn(), round_.round_id(), round_.worker(),
                                                   key_of(partition));
            },
            retry);
        if (claim) {
            round_.take_share(claim->live_walkers);
            if (claim->taken_over) {
                log_takeover(partition, claim->slice - 1);
            }
            return claim->slice - 1;
        }
        const long todo = perform(
            db, "looking at the time slices' claims",
            [&] {
                return round_store::slice_claims_todo(db.conn(), round_.round_id(),
                                                      key_of(partition));
            },
            retry);
        if (todo == 0) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

bool RoundClaims::slices_pending(DbSession& db, const Partition& partition)
{
    return perform(db, "looking at the time slices' claims", [&] {
        return round_store::slice_claims_pending(db.conn(), round_.round_id(), key_of(partition)) >
               0;
    });
}

} // namespace jobsync
