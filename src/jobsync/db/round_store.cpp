#include "jobsync/db/round_store.hpp"

#include "jobsync/db/database.hpp"

#include <algorithm>

namespace jobsync {

KeyArrays::KeyArrays(const std::vector<ClaimKey>& keys)
{
    std::vector<std::string> buckets, tags, queues;
    for (const ClaimKey& key : keys) {
        buckets.push_back(key.bucket);
        tags.push_back(key.tag);
        queues.push_back(key.queue_id);
    }
    bucket = to_text_array_literal(buckets);
    tag = to_text_array_literal(tags);
    queue_id = to_text_array_literal(queues);
}

} // namespace jobsync

namespace jobsync::round_store {

// A worker named by `id_column` is alive while its lease runs and its
// session still holds its presence lock (a lock we can take is free: the
// session closed, so the worker died; taking it until our commit is harmless).
std::string alive_sql(const std::string& lease_column, const std::string& id_column,
                      const std::string& prefix_param)
{
    return "(" + lease_column + " > now() AND NOT pg_try_advisory_xact_lock(hashtextextended(" +
           prefix_param + " || " + id_column + ", 0)))";
}

namespace {

// Closed rounds and their claims are kept this long, for status and audits.
constexpr const char* kRoundRetention = "7 days";

std::string presence_prefix(const RoundWorker& worker)
{
    return round_store::presence_prefix(worker.schema);
}

// Closes open rounds ($1 = 0: any; else that one) that are finished, or
// whose workers other than $2 are all gone ($3: the presence lock prefix).
const std::string& close_rounds_sql()
{
    static const std::string sql =
        "UPDATE sync_rounds r SET closed_at = now(), status = CASE WHEN EXISTS "
        "(SELECT 1 FROM sync_claims c WHERE c.round_id = r.round_id "
        " AND c.state IN ('todo', 'walking')) THEN 'abandoned' ELSE 'done' END "
        "WHERE r.status = 'open' AND ($1::bigint = 0 OR r.round_id = $1) AND ("
        "NOT EXISTS (SELECT 1 FROM sync_claims c WHERE c.round_id = r.round_id "
        " AND c.state IN ('todo', 'walking')) "
        "OR NOT EXISTS (SELECT 1 FROM sync_workers w WHERE w.round_id = r.round_id "
        " AND w.worker_id <> $2 AND " +
        alive_sql("w.lease_until", "w.worker_id", "$3") + "))";
    return sql;
}

// The walking claims of abandoned rounds go back to todo: a worker that
// resumes after its round was closed (a stopped process) holds nothing, so
// its page transactions are refused (unit_store::hold). A claim locked by a
// page transaction in flight is skipped, not waited for (its worker may be
// paused inside it): that page commits, and the claim is released on a
// later join.
void release_abandoned_claims(pqxx::transaction_base& txn)
{
    txn.exec("UPDATE sync_claims c SET state = 'todo', claimed_by = NULL, lease_until = NULL "
             "FROM (SELECT c.ctid AS row_id FROM sync_claims c JOIN sync_rounds r "
             " USING (round_id) WHERE r.status = 'abandoned' AND c.state = 'walking' "
             " FOR UPDATE OF c SKIP LOCKED) free WHERE c.ctid = free.row_id");
}

long live_walkers(pqxx::transaction_base& txn, long long round_id)
{
    const long walkers =
        txn.exec_params1("SELECT count(DISTINCT claimed_by) FROM sync_claims WHERE round_id = $1 "
                         "AND state = 'walking' AND lease_until > now()",
                         round_id)[0]
            .as<long>();
    return std::max(1L, walkers);
}

} // namespace

std::string presence_prefix(const std::string& schema)
{
    return "ci-jobsync:" + schema + ":worker:";
}

void hold_presence(pqxx::connection& conn, const RoundWorker& worker)
{
    pqxx::nontransaction txn(conn);
    txn.exec_params("SELECT pg_advisory_lock(hashtextextended($1, 0))",
                    presence_prefix(worker) + worker.worker_id);
}

long long join(pqxx::connection& conn, const RoundWorker& worker, const std::string& host, int pid)
{
    pqxx::work txn(conn);
    txn.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    "ci-jobsync:" + worker.schema + ":rounds");
    txn.exec_params(close_rounds_sql(), 0LL, worker.worker_id, presence_prefix(worker));
    release_abandoned_claims(txn);
    txn.exec("DELETE FROM sync_workers w USING sync_rounds r "
             "WHERE w.round_id = r.round_id AND r.status <> 'open'");
    const pqxx::result open = txn.exec("SELECT round_id FROM sync_rounds WHERE status = 'open'");
    long long round_id = 0;
    if (open.empty()) {
        txn.exec(std::string("DELETE FROM sync_rounds WHERE closed_at < now() - interval '") +
                 kRoundRetention + "'");
        round_id = txn.exec1("INSERT INTO sync_rounds DEFAULT VALUES RETURNING round_id")[0]
                       .as<long long>();
    } else {
        round_id = open[0][0].as<long long>();
    }
    const KeyArrays keys(worker.partitions);
    txn.exec_params("INSERT INTO sync_claims (round_id, bucket, tag, queue_id) "
                    "SELECT $1, p.bucket, p.tag, p.queue_id "
                    "FROM unnest($2::text[], $3::text[], $4::text[]) AS p (bucket, tag, queue_id) "
                    "ON CONFLICT DO NOTHING",
                    round_id, keys.bucket, keys.tag, keys.queue_id);
    txn.exec_params("UPDATE sync_rounds SET partitions = "
                    "(SELECT count(*) FROM sync_claims WHERE round_id = $1 AND kind = 'plan') "
                    "WHERE round_id = $1",
                    round_id);
    txn.exec_params("INSERT INTO sync_workers (worker_id, round_id, host, pid, lease_until) "
                    "VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) "
                    "ON CONFLICT (worker_id) DO UPDATE SET round_id = excluded.round_id, "
                    "lease_until = excluded.lease_until",
                    worker.worker_id, round_id, host, pid,
                    static_cast<double>(worker.lease_seconds));
    txn.commit();
    return round_id;
}

long live_workers(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    const long workers =
        txn.exec_params1("SELECT count(*) FROM sync_workers w WHERE w.round_id = $1 AND "
                         "(w.worker_id = $2 OR " +
                             alive_sql("w.lease_until", "w.worker_id", "$3") + ")",
                         round_id, worker.worker_id, presence_prefix(worker))[0]
            .as<long>();
    txn.commit();
    return std::max(1L, workers);
}

void close_if_finished(pqxx::connection& conn, long long round_id)
{
    pqxx::work txn(conn);
    txn.exec_params("UPDATE sync_rounds r SET status = 'done', closed_at = now() "
                    "WHERE r.round_id = $1 AND r.status = 'open' AND NOT EXISTS (SELECT 1 "
                    "FROM sync_claims c WHERE c.round_id = r.round_id "
                    "AND c.state IN ('todo', 'walking'))",
                    round_id);
    txn.commit();
}

long renew(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    const double lease = static_cast<double>(worker.lease_seconds);
    txn.exec_params("UPDATE sync_workers SET lease_until = now() + make_interval(secs => $2) "
                    "WHERE worker_id = $1",
                    worker.worker_id, lease);
    const long walkers = live_walkers(txn, round_id);
    txn.commit();
    return walkers;
}

void leave(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    txn.exec_params("UPDATE sync_claims SET state = 'todo', claimed_by = NULL, lease_until = NULL "
                    "WHERE round_id = $1 AND claimed_by = $2 AND state = 'walking'",
                    round_id, worker.worker_id);
    txn.exec_params("DELETE FROM sync_workers WHERE worker_id = $1", worker.worker_id);
    txn.exec_params(close_rounds_sql(), round_id, worker.worker_id, presence_prefix(worker));
    release_abandoned_claims(txn);
    txn.commit();
}

std::optional<RoundView> open_round(pqxx::transaction_base& txn)
{
    if (!txn.exec1("SELECT to_regclass('sync_rounds') IS NOT NULL")[0].as<bool>()) {
        return std::nullopt;
    }
    const pqxx::result round = txn.exec(
        "SELECT r.round_id, to_char(r.opened_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.partitions, "
        "count(*) FILTER (WHERE c.state = 'todo'), count(*) FILTER (WHERE c.state = 'walking'), "
        "count(*) FILTER (WHERE c.state = 'done'), count(*) FILTER (WHERE c.state = 'failed'), "
        "count(*) FILTER (WHERE c.state = 'skipped') "
        "FROM sync_rounds r LEFT JOIN sync_claims c USING (round_id) WHERE r.status = 'open' "
        "GROUP BY r.round_id");
    if (round.empty()) {
        return std::nullopt;
    }
    RoundView view;
    const pqxx::row r = round[0];
    view.round_id = r[0].as<long long>();
    view.opened_at = r[1].as<std::string>();
    view.partitions = r[2].as<long>();
    view.todo = r[3].as<long>();
    view.walking = r[4].as<long>();
    view.done = r[5].as<long>();
    view.failed = r[6].as<long>();
    view.skipped = r[7].as<long>();
    const char* seconds_left = "floor(extract(epoch FROM lease_until - now()))::bigint";
    for (const auto& row : txn.exec_params(
             std::string("SELECT bucket, tag, queue_id, slice, claimed_by, ") + seconds_left +
                 ", plan_id FROM sync_claims WHERE round_id = $1 AND state = 'walking' "
                 "ORDER BY bucket, tag, queue_id, kind, slice",
             view.round_id)) {
        RoundHolder holder;
        holder.key = {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()};
        holder.slice = row[3].as<int>();
        holder.worker_id = row[4].as<std::string>();
        holder.lease_seconds_left = row[5].as<long>();
        holder.plan_unit = row[6].is_null();
        holder.plan_id = row[6].is_null() ? 0 : row[6].as<long long>();
        view.holders.push_back(std::move(holder));
    }
    for (const auto& row :
         txn.exec_params(std::string("SELECT worker_id, ") + seconds_left +
                             " FROM sync_workers WHERE round_id = $1 ORDER BY joined_at, worker_id",
                         view.round_id)) {
        view.workers.emplace_back(row[0].as<std::string>(), row[1].as<long>());
    }
    return view;
}

} // namespace jobsync::round_store
