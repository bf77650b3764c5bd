#include "jobsync/db/refresh_store.hpp"

#include "jobsync/db/database.hpp"

namespace jobsync::refresh_store {
namespace {

// The predicate of jobs_refresh_idx (migrations/0005), so the planner uses it.
constexpr const char* kUnfinishedInPartition =
    "bucket = $1 AND tag = $2 AND ($3 = '' OR queue_id = $3) "
    "AND state NOT IN ('Success', 'Failed', 'Cancel') AND vanished_at IS NULL ";

std::string iso(UnixSeconds t)
{
    return format_iso_utc(t);
}

std::vector<JobToRefresh> stored_jobs(const pqxx::result& rows)
{
    std::vector<JobToRefresh> jobs;
    jobs.reserve(rows.size());
    for (const pqxx::row& row : rows) {
        jobs.push_back({row[0].as<std::string>(), row[1].as<long long>()});
    }
    return jobs;
}

} // namespace

OlderUnfinished older_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                                 UnixSeconds horizon_start, UnixSeconds until)
{
    const pqxx::row row = txn.exec_params1(
        std::string("SELECT count(*), extract(epoch FROM min(creation_time))::bigint FROM jobs "
                    "WHERE ") +
            kUnfinishedInPartition +
            "AND creation_time >= $4::timestamptz AND creation_time <= $5::timestamptz",
        partition.bucket(), partition.tag, partition.queue_id, iso(horizon_start), iso(until));
    OlderUnfinished result;
    result.count = row[0].as<long>();
    if (!row[1].is_null()) {
        result.oldest = row[1].as<long long>();
    }
    return result;
}

long jobs_between(pqxx::transaction_base& txn, const Partition& partition, UnixSeconds from,
                  UnixSeconds until)
{
    return txn
        .exec_params1("SELECT count(*) FROM jobs WHERE bucket = $1 AND tag = $2 "
                      "AND ($3 = '' OR queue_id = $3) AND creation_time >= $4::timestamptz "
                      "AND creation_time <= $5::timestamptz",
                      partition.bucket(), partition.tag, partition.queue_id, iso(from),
                      iso(until))[0]
        .as<long>();
}

std::vector<JobToRefresh> older_unfinished_jobs(pqxx::transaction_base& txn,
                                                const Partition& partition,
                                                UnixSeconds horizon_start, UnixSeconds until)
{
    return stored_jobs(txn.exec_params(
        std::string("SELECT job_id, extract(epoch FROM creation_time)::bigint FROM jobs WHERE ") +
            kUnfinishedInPartition +
            "AND creation_time >= $4::timestamptz AND creation_time <= $5::timestamptz "
            "ORDER BY creation_time, job_id",
        partition.bucket(), partition.tag, partition.queue_id, iso(horizon_start), iso(until)));
}

std::vector<JobToRefresh> vanished_due(pqxx::transaction_base& txn, const Partition& partition,
                                       UnixSeconds horizon_start)
{
    // The predicate of jobs_vanished_idx (migrations/0009).
    return stored_jobs(txn.exec_params(
        "SELECT job_id, extract(epoch FROM creation_time)::bigint FROM jobs "
        "WHERE bucket = $1 AND tag = $2 AND ($3 = '' OR queue_id = $3) "
        "AND state NOT IN ('Success', 'Failed', 'Cancel') AND vanished_at IS NOT NULL "
        "AND creation_time >= $4::timestamptz "
        "AND coalesce(vanish_checked_at, vanished_at) <= now() - make_interval(secs => $5) "
        "ORDER BY creation_time, job_id",
        partition.bucket(), partition.tag, partition.queue_id, iso(horizon_start),
        static_cast<double>(kVanishedRecheckSeconds)));
}

long mark_vanished(pqxx::transaction_base& txn, const std::vector<std::string>& job_ids)
{
    if (job_ids.empty()) {
        return 0;
    }
    const std::string ids = to_text_array_literal(job_ids);
    txn.exec_params("UPDATE jobs SET vanish_checked_at = now() "
                    "WHERE job_id = ANY($1::text[]) AND vanished_at IS NOT NULL",
                    ids);
    return static_cast<long>(
        txn.exec_params("UPDATE jobs SET vanished_at = now(), vanish_checked_at = now() "
                        "WHERE job_id = ANY($1::text[]) AND vanished_at IS NULL",
                        ids)
            .affected_rows());
}

void record_refresh_mode(pqxx::transaction_base& txn, const Partition& partition, RefreshMode mode,
                         const std::string& note)
{
    txn.exec_params("UPDATE sync_checkpoints SET last_refresh = $4, refresh_note = nullif($5, '') "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, to_string(mode), note);
}

long record_unfinished(pqxx::transaction_base& txn, const Partition& partition,
                       UnixSeconds horizon_start)
{
    return txn
        .exec_params1(std::string("UPDATE sync_checkpoints SET unfinished_jobs = "
                                  "(SELECT count(*) FROM jobs WHERE ") +
                          kUnfinishedInPartition +
                          "AND creation_time >= $4::timestamptz) "
                          "WHERE bucket = $1 AND tag = $2 AND queue_id = $3 "
                          "RETURNING unfinished_jobs",
                      partition.bucket(), partition.tag, partition.queue_id, iso(horizon_start))[0]
        .as<long>();
}

} // namespace jobsync::refresh_store
