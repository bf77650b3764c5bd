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

std::optional<UnixSeconds> load_cursor(pqxx::transaction_base& txn, const Partition& partition)
{
    const pqxx::row row =
        txn.exec_params1("SELECT extract(epoch FROM cursor)::bigint FROM sync_checkpoints "
                         "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                         partition.bucket(), partition.tag, partition.queue_id);
    return epoch_or_null(row[0]);
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
