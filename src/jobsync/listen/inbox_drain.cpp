#include "jobsync/listen/inbox_drain.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/drift_store.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/listen/run_drain.hpp"
#include "jobsync/parse/page_warning.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace jobsync {
namespace {

const SourceConfig* source_of(const Config& config, const std::string& bucket)
{
    for (const SourceConfig& source : config.sources) {
        if (source.bucket == bucket) {
            return &source;
        }
    }
    return nullptr;
}

// The ids of `batch` that are (or are not) in `ids`, with their receive counts.
InboxBatch select_ids(const InboxBatch& batch, const std::vector<std::string>& ids, bool in_ids)
{
    InboxBatch selected;
    selected.bucket = batch.bucket;
    selected.oldest_age_seconds = batch.oldest_age_seconds;
    for (std::size_t i = 0; i < batch.job_ids.size(); ++i) {
        const bool listed = std::find(ids.begin(), ids.end(), batch.job_ids[i]) != ids.end();
        if (listed == in_ids) {
            selected.job_ids.push_back(batch.job_ids[i]);
            selected.times_received.push_back(batch.times_received[i]);
        }
    }
    return selected;
}

std::string seconds_text(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", seconds);
    return text;
}

} // namespace

DrainStats& DrainStats::operator+=(const DrainStats& other)
{
    batches += other.batches;
    ids += other.ids;
    written += other.written;
    unchanged += other.unchanged;
    unknown += other.unknown;
    requests += other.requests;
    latency_sum += other.latency_sum;
    latency_max = std::max(latency_max, other.latency_max);
    failed += other.failed;
    dropped += other.dropped;
    runs += other.runs;
    runs_unknown += other.runs_unknown;
    runs_failed += other.runs_failed;
    runs_dropped += other.runs_dropped;
    return *this;
}

InboxDrain::InboxDrain(const Config& config, DbSession& db, ApiClients& clients, StopToken stop)
    : config_(config), db_(db), clients_(clients), stop_(stop)
{
}

bool InboxDrain::drain_batch(DrainStats& stats)
{
    // A run's fetch neither waits for nor holds up the job batches.
    const bool jobs = drain_one(stats, std::nullopt);
    const bool run = RunDrain(config_, db_, clients_, stop_).drain_one(stats, std::nullopt);
    return jobs || run;
}

bool InboxDrain::drain_one(DrainStats& stats, const std::optional<std::string>& pass_started)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_;
    inbox_store::InboxTake take;
    take.limit = static_cast<std::size_t>(config_.sync.ids_per_request);
    take.pass_started = pass_started;
    const std::optional<InboxBatch> batch = perform(
        db_, "reading the inbox",
        [&] {
            pqxx::work txn(db_.conn());
            auto taken = inbox_store::next_batch(txn, take);
            txn.commit();
            return taken;
        },
        retry);
    if (!batch) {
        return false;
    }
    const auto taken_at = std::chrono::steady_clock::now();
    const SourceConfig* source = source_of(config_, batch->bucket);
    JobsById fetched;
    long requests = 0;
    if (source == nullptr) {
        // Recorded under a bucket the config no longer has: nothing can fetch it.
        log_warn("inbox ids of a bucket no longer configured dropped",
                 {{"bucket", batch->bucket}, {"ids", std::to_string(batch->job_ids.size())}});
    } else {
        CiClient& client = clients_.for_source(*source);
        const long before = client.counters().requests;
        try {
            fetched = client.describe_jobs(batch->job_ids);
        } catch (const PartitionError& e) {
            // Refused or failing past its retries: this batch backs off, the
            // next one (of any bucket) goes on.
            stats.requests += client.counters().requests - before;
            back_off(*batch, e.what(), stats);
            return true;
        }
        requests = client.counters().requests - before;
    }
    // Callback jobs belong to no one walk: quarantine rows get no tag or queue.
    const Partition partition{source, "", ""};
    for (const JobsPage& page : fetched.pages) {
        log_page_warnings(page.warnings, partition.label());
    }
    const PageWriteResult written = perform(
        db_, "writing callback jobs",
        [&] {
            pqxx::work txn(db_.conn());
            PageWriteResult total;
            for (const JobsPage& page : fetched.pages) {
                total += store_.write_page(txn, partition, page.jobs, page.rejected);
                record_drift(txn, batch->bucket, page);
            }
            // An id the service refused alone backs off like a failed batch;
            // the others leave the inbox with the jobs written.
            inbox_store::remove(txn, select_ids(*batch, fetched.refused_ids, false));
            txn.commit();
            return total;
        },
        retry);
    if (!fetched.refused_ids.empty()) {
        back_off(select_ids(*batch, fetched.refused_ids, true),
                 "the service refused these ids alone (HTTP 400)", stats);
    }
    const double latency =
        batch->oldest_age_seconds +
        std::chrono::duration<double>(std::chrono::steady_clock::now() - taken_at).count();
    for (const std::string& id : fetched.non_existent_ids) {
        log_warn("callback for a job the service does not know dropped",
                 {{"bucket", batch->bucket}, {"job_id", id}});
    }
    DrainStats batch_stats;
    batch_stats.batches = 1;
    batch_stats.ids = static_cast<long>(batch->job_ids.size());
    batch_stats.written = written.inserted + written.updated;
    batch_stats.unchanged = written.unchanged;
    batch_stats.unknown = static_cast<long>(fetched.non_existent_ids.size());
    batch_stats.requests = requests;
    batch_stats.latency_sum = latency * static_cast<double>(batch->job_ids.size());
    batch_stats.latency_max = latency;
    stats += batch_stats;
    log_info("inbox batch written", {{"bucket", batch->bucket},
                                     {"ids", std::to_string(batch_stats.ids)},
                                     {"inserted", std::to_string(written.inserted)},
                                     {"updated", std::to_string(written.updated)},
                                     {"unchanged", std::to_string(written.unchanged)},
                                     {"refused", std::to_string(written.refused)},
                                     {"unknown", std::to_string(batch_stats.unknown)},
                                     {"requests", std::to_string(requests)},
                                     {"oldest_latency_s", seconds_text(latency)}});
    return true;
}

void InboxDrain::back_off(const InboxBatch& batch, const std::string& error, DrainStats& stats)
{
    DbRetryOptions retry;
    retry.stop_flag = stop_;
    inbox_store::RetryPolicy policy;
    policy.max_attempts = config_.listen.max_attempts;
    const inbox_store::FailedAttempt failed = perform(
        db_, "recording a failed inbox batch",
        [&] {
            pqxx::work txn(db_.conn());
            auto outcome = inbox_store::record_failure(txn, batch, error, policy);
            txn.commit();
            return outcome;
        },
        retry);
    stats.failed += static_cast<long>(batch.job_ids.size());
    stats.dropped += static_cast<long>(failed.dropped_ids.size());
    if (!failed.dropped_ids.empty()) {
        std::string ids;
        for (const std::string& id : failed.dropped_ids) {
            ids += (ids.empty() ? "" : ",") + id;
        }
        log_error("inbox job ids dropped after failed by-id attempts (kept in inbox_dropped; "
                  "the poll still syncs them)",
                  {{"bucket", batch.bucket},
                   {"ids", ids},
                   {"attempts", std::to_string(failed.attempts)},
                   {"error", error}});
    }
    if (failed.dropped_ids.size() < batch.job_ids.size()) {
        log_warn("inbox batch not fetched; retried after a back-off",
                 {{"bucket", batch.bucket},
                  {"ids", std::to_string(batch.job_ids.size() - failed.dropped_ids.size())},
                  {"attempts", std::to_string(failed.attempts)},
                  {"retry_in_s", seconds_text(failed.retry_in_seconds)},
                  {"error", error}});
    }
}

DrainStats InboxDrain::drain_all()
{
    DbRetryOptions retry;
    retry.stop_flag = stop_;
    const std::string pass_started = perform(
        db_, "reading the database clock",
        [&] {
            pqxx::work txn(db_.conn());
            std::string now = inbox_store::database_now(txn);
            txn.commit();
            return now;
        },
        retry);
    DrainStats stats;
    RunDrain runs(config_, db_, clients_, stop_);
    while (!stop_.stopped()) {
        const bool jobs = drain_one(stats, pass_started);
        const bool run = runs.drain_one(stats, pass_started);
        if (!jobs && !run) {
            break;
        }
    }
    return stats;
}

} // namespace jobsync
