#include "jobsync/db/checkpoint_store.hpp"

#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/db/time_param.hpp"

#include <chrono>
#include <thread>

namespace jobsync {
namespace {

constexpr std::size_t kLastErrorBytes = 4096;

} // namespace

namespace checkpoint_store {

void ensure_row(pqxx::connection& conn, const Partition& partition)
{
    pqxx::work txn(conn);
    txn.exec_params("INSERT INTO sync_checkpoints (bucket, tag, queue_id) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING",
                    partition.bucket(), partition.tag, partition.queue_id);
    txn.commit();
}

Checkpoint load(pqxx::transaction_base& txn, const Partition& partition)
{
    const pqxx::row row = txn.exec_params1(
        "SELECT extract(epoch FROM cursor)::bigint, extract(epoch FROM walk_window_start)::bigint, "
        "extract(epoch FROM walk_window_end)::bigint, coalesce(walk_next_token, ''), "
        "extract(epoch FROM walk_token_issued_at)::bigint, "
        "extract(epoch FROM walk_last_creation_time)::bigint, walk_pages, walk_jobs "
        "FROM sync_checkpoints WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
        partition.bucket(), partition.tag, partition.queue_id);
    Checkpoint checkpoint;
    checkpoint.cursor = epoch_or_null(row[0]);
    checkpoint.window_start = epoch_or_null(row[1]);
    checkpoint.window_end = epoch_or_null(row[2]);
    checkpoint.next_token = row[3].as<std::string>();
    checkpoint.token_issued_at = epoch_or_null(row[4]);
    checkpoint.last_creation_time = epoch_or_null(row[5]);
    checkpoint.pages = row[6].as<long>();
    checkpoint.jobs = row[7].as<long>();
    return checkpoint;
}

void begin_walk(pqxx::transaction_base& txn, const Partition& partition,
                std::optional<UnixSeconds> start, UnixSeconds end)
{
    const TimeParam start_param(start);
    const TimeParam end_param(end);
    txn.exec_params("UPDATE sync_checkpoints SET walk_window_start = $4::timestamptz, "
                    "walk_window_end = $5::timestamptz, walk_next_token = NULL, "
                    "walk_token_issued_at = NULL, walk_last_creation_time = NULL, walk_pages = 0, "
                    "walk_jobs = 0, walk_started_at = now(), last_run_at = now(), "
                    "last_status = 'running' "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, start_param.get(),
                    end_param.get());
}

void record_page(pqxx::transaction_base& txn, const Partition& partition,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page)
{
    const TimeParam last(last_creation_time);
    txn.exec_params("UPDATE sync_checkpoints SET walk_next_token = nullif($4, ''), "
                    "walk_token_issued_at = CASE WHEN $4 = '' THEN NULL ELSE now() END, "
                    "walk_last_creation_time = greatest(walk_last_creation_time, $5::timestamptz), "
                    "walk_pages = walk_pages + 1, walk_jobs = walk_jobs + $6, last_run_at = now(), "
                    "last_page_at = now() "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, next_token, last.get(),
                    jobs_in_page);
}

void restart_walk(pqxx::transaction_base& txn, const Partition& partition,
                  std::optional<UnixSeconds> start)
{
    const TimeParam start_param(start);
    txn.exec_params("UPDATE sync_checkpoints SET walk_window_start = $4::timestamptz, "
                    "walk_next_token = NULL, walk_token_issued_at = NULL "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, start_param.get());
}

void complete_walk(pqxx::transaction_base& txn, const Partition& partition)
{
    txn.exec_params("UPDATE sync_checkpoints SET cursor = walk_window_end, "
                    "walk_window_start = NULL, walk_window_end = NULL, walk_next_token = NULL, "
                    "walk_token_issued_at = NULL, walk_last_creation_time = NULL, "
                    "walk_started_at = NULL, last_run_at = now(), last_success_at = now(), "
                    "last_page_at = now(), "
                    "last_status = 'ok', last_error = NULL "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id);
}

void record_outcome(pqxx::connection& conn, const Partition& partition, const std::string& status,
                    const std::string& error)
{
    pqxx::work txn(conn);
    // Server text (a proxy's GBK page, a raw header) must not keep the
    // outcome from being stored.
    txn.exec_params("UPDATE sync_checkpoints SET last_run_at = now(), last_status = $4, "
                    "last_error = $5 WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, status,
                    sanitize_text(error, TextForm::line, kLastErrorBytes));
    txn.commit();
}

std::optional<UnixSeconds> oldest_unfinished(pqxx::transaction_base& txn,
                                             const Partition& partition, UnixSeconds horizon_start)
{
    const pqxx::row row = txn.exec_params1(
        "SELECT extract(epoch FROM min(creation_time))::bigint FROM jobs "
        "WHERE bucket = $1 AND tag = $2 AND ($3 = '' OR queue_id = $3) "
        "AND state IN ('Submitted', 'Running', 'Pause') AND creation_time >= $4::timestamptz",
        partition.bucket(), partition.tag, partition.queue_id, format_iso_utc(horizon_start));
    return epoch_or_null(row[0]);
}

long count_stale_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                            UnixSeconds horizon_start)
{
    const pqxx::row row = txn.exec_params1(
        "SELECT count(*) FROM jobs WHERE bucket = $1 AND tag = $2 AND ($3 = '' OR queue_id = $3) "
        "AND state IN ('Submitted', 'Running', 'Pause') AND creation_time < $4::timestamptz",
        partition.bucket(), partition.tag, partition.queue_id, format_iso_utc(horizon_start));
    return row[0].as<long>();
}

} // namespace checkpoint_store

PartitionLock::PartitionLock(pqxx::connection& conn, const std::string& schema,
                             const Partition& partition)
    : conn_(conn), key_("ci-jobsync:" + schema + ":" + partition.bucket() + ":" + partition.tag +
                        ":" + partition.queue_id)
{
}

PartitionLock::~PartitionLock()
{
    if (!held_) {
        return;
    }
    try {
        pqxx::nontransaction txn(conn_);
        txn.exec_params("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key_);
    } catch (...) { // a closed session has released it already
    }
}

bool PartitionLock::try_acquire()
{
    pqxx::nontransaction txn(conn_);
    held_ = txn.exec_params1("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key_)[0]
                .as<bool>();
    return held_;
}

bool PartitionLock::acquire_within(long seconds, const std::atomic<bool>* stop_flag)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!try_acquire()) {
        if (std::chrono::steady_clock::now() >= deadline ||
            (stop_flag != nullptr && stop_flag->load())) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return true;
}

} // namespace jobsync
