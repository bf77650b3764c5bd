#include "jobsync/sync/slice_walk.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/sync/page_commit.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/walk_attempt.hpp"

#include <stdexcept>

namespace jobsync {

// Each page of the slice committed with the slice's row: a kill at any
// instant keeps both or neither.
class SliceWalker::PageCommitter : public PageSink {
public:
    PageCommitter(SliceWalker& walker, const Partition& partition, int slice, PartitionStats& stats)
        : walker_(walker), partition_(partition), slice_(slice), stats_(stats)
    {
    }
    void on_page(const JobsPage& page, bool last_page) override
    {
        const std::string next_token = last_page ? "" : page.next_token;
        const std::optional<UnixSeconds> newest = newest_creation_time(page);
        const long jobs = static_cast<long>(page.jobs.size());
        pqxx::work txn(walker_.db_.conn());
        const PageWriteResult written = write_walked_page(txn, walker_.store_, partition_, page);
        slice_store::record_page(txn, partition_, slice_, next_token, newest, jobs);
        if (last_page) {
            slice_store::complete_slice(txn, partition_, slice_);
        }
        txn.commit();
        if (ProgressBoard* board = ProgressBoard::current()) {
            board->page_committed(partition_.label(), jobs, newest);
        }
        count_committed_page(stats_, page, written);
        if (last_page) {
            stats_.slices += 1;
        }
    }
    void on_restart(std::optional<UnixSeconds> start) override
    {
        pqxx::work txn(walker_.db_.conn());
        slice_store::restart_slice(txn, partition_, slice_, start);
        txn.commit();
    }

private:
    SliceWalker& walker_;
    const Partition& partition_;
    int slice_;
    PartitionStats& stats_;
};

SliceWalker::SliceWalker(DbSession& db, CiClient& client, const SyncConfig& sync,
                         const std::atomic<bool>* stop_flag)
    : db_(db), client_(client), sync_(sync), stop_flag_(stop_flag)
{
}

SliceOutcome SliceWalker::walk(const Partition& partition, int slice)
{
    const RequestCounters before = client_.counters();
    const std::string what =
        "slice " + std::to_string(slice) + " of partition " + partition.label();
    SliceOutcome outcome;
    const WalkEnd end =
        attempt_walk(db_, {"walking " + what, what + ": ", stop_flag_}, outcome.stats, [&] {
            return walk_from_checkpoint(partition, slice, outcome.stats)
                       ? PartitionStatus::ok
                       : PartitionStatus::interrupted;
        });
    outcome.status = end.status;
    outcome.error = end.error;
    outcome.stats.requests = client_.counters().requests - before.requests;
    outcome.stats.retries = client_.counters().retries - before.retries;
    return outcome;
}

bool SliceWalker::walk_from_checkpoint(const Partition& partition, int slice, PartitionStats& stats)
{
    SliceCheckpoint checkpoint;
    try {
        pqxx::read_transaction txn(db_.conn());
        checkpoint = slice_store::load_slice(txn, partition, slice);
    } catch (const std::out_of_range&) {
        // A plan is deleted only once every slice is done: a slice claimed
        // after that (its walker died between its last page and its claim's
        // end) is done.
        return true;
    }
    if (checkpoint.done) {
        return true;
    }
    PagePosition position{checkpoint.window.start, checkpoint.window.end, checkpoint.next_token,
                          checkpoint.last_creation_time};
    PageCommitter committer(*this, partition, slice, stats);
    if (token_too_old(checkpoint.next_token, checkpoint.token_issued_at,
                      sync_.token_max_age_seconds)) {
        log_info("stored continuation token of a slice is older than sync.token_max_age; "
                 "restarting the slice from its last committed job",
                 {{"partition", partition.label()}, {"slice", std::to_string(slice)}});
        position.start = position.restart_start();
        position.next_token.clear();
        committer.on_restart(position.start);
    }
    log_debug("walking a slice", {{"partition", partition.label()},
                                  {"slice", std::to_string(slice)},
                                  {"pages_done", std::to_string(checkpoint.pages)}});
    return walk_pages(client_, partition, sync_.page_size, position, stop_flag_, committer);
}

} // namespace jobsync
