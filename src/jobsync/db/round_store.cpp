#include "jobsync/db/round_store.hpp"

#include "jobsync/db/database.hpp"

#include <algorithm>

namespace jobsync::round_store {
namespace {

// Closed rounds and their claims are kept this long, for status and audits.
constexpr const char* kRoundRetention = "7 days";

std::string presence_prefix(const RoundWorker& worker)
{
    return round_store::presence_prefix(worker.schema);
}

// A worker named by `id_column` is alive while its lease runs and its
// session still holds its presence lock (a lock we can take is free: the
// session closed, so the worker died; taking it until our commit is harmless).
std::string alive(const std::string& lease_column, const std::string& id_column,
                  const std::string& prefix_param)
{
    return "(" + lease_column + " > now() AND NOT pg_try_advisory_xact_lock(hashtextextended(" +
           prefix_param + " || " + id_column + ", 0)))";
}

// The worker's partitions as three text[] parameters for unnest.
struct KeyArrays {
    explicit KeyArrays(const std::vector<ClaimKey>& keys)
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
    std::string bucket, tag, queue_id;
};

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
        alive("w.lease_until", "w.worker_id", "$3") + "))";
    return sql;
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
                    "(SELECT count(*) FROM sync_claims WHERE round_id = $1 AND slice = 0) "
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

namespace {

// Claims one row of ours (only_slices_of: among that partition's time-slice
// rows) that is todo, or walking by a worker that is gone.
std::optional<Claim> claim_one(pqxx::connection& conn, long long round_id,
                               const RoundWorker& worker, const ClaimKey* only_slices_of)
{
    const KeyArrays keys(worker.partitions);
    const ClaimKey any;
    const ClaimKey& only = only_slices_of != nullptr ? *only_slices_of : any;
    pqxx::work txn(conn);
    // Walks whose worker is gone first: they have waited longest.
    const pqxx::result claimed = txn.exec_params(
        "WITH next AS ("
        " SELECT c.bucket, c.tag, c.queue_id, c.slice, c.claimed_by AS was_claimed_by "
        " FROM sync_claims c JOIN unnest($3::text[], $4::text[], $5::text[]) "
        "  AS mine (bucket, tag, queue_id) USING (bucket, tag, queue_id) "
        " WHERE c.round_id = $1 AND (NOT $8::bool OR (c.bucket = $9 AND c.tag = $10 "
        "  AND c.queue_id = $11 AND c.slice > 0)) "
        " AND (c.state = 'todo' OR (c.state = 'walking' "
        "  AND c.claimed_by <> $2 AND NOT " +
            alive("c.lease_until", "c.claimed_by", "$6") +
            ")) "
            " ORDER BY c.state = 'todo', c.bucket, c.tag, c.queue_id, c.slice "
            " LIMIT 1 FOR UPDATE OF c SKIP LOCKED) "
            "UPDATE sync_claims c SET state = 'walking', claimed_by = $2, "
            "lease_until = now() + make_interval(secs => $7), started_at = now(), "
            "finished_at = NULL, takeovers = c.takeovers + (n.was_claimed_by IS NOT NULL)::int "
            "FROM next n WHERE c.round_id = $1 AND c.bucket = n.bucket AND c.tag = n.tag "
            "AND c.queue_id = n.queue_id AND c.slice = n.slice "
            "RETURNING c.bucket, c.tag, c.queue_id, c.slice, n.was_claimed_by IS NOT NULL",
        round_id, worker.worker_id, keys.bucket, keys.tag, keys.queue_id, presence_prefix(worker),
        static_cast<double>(worker.lease_seconds), only_slices_of != nullptr, only.bucket, only.tag,
        only.queue_id);
    if (claimed.empty()) {
        txn.commit();
        return std::nullopt;
    }
    Claim claim;
    claim.key = {claimed[0][0].as<std::string>(), claimed[0][1].as<std::string>(),
                 claimed[0][2].as<std::string>()};
    claim.slice = claimed[0][3].as<int>();
    claim.taken_over = claimed[0][4].as<bool>();
    claim.live_walkers = live_walkers(txn, round_id);
    txn.commit();
    return claim;
}

} // namespace

std::optional<Claim> claim_next(pqxx::connection& conn, long long round_id,
                                const RoundWorker& worker)
{
    return claim_one(conn, round_id, worker, nullptr);
}

std::optional<Claim> claim_slice_of(pqxx::connection& conn, long long round_id,
                                    const RoundWorker& worker, const ClaimKey& key)
{
    return claim_one(conn, round_id, worker, &key);
}

void add_slice_claims(pqxx::connection& conn, long long round_id, const ClaimKey& key,
                      const std::vector<int>& slices)
{
    std::vector<std::string> rows;
    for (const int slice : slices) {
        rows.push_back(std::to_string(slice + 1));
    }
    pqxx::work txn(conn);
    txn.exec_params("INSERT INTO sync_claims (round_id, bucket, tag, queue_id, slice) "
                    "SELECT $1, $2, $3, $4, s FROM unnest($5::int[]) AS s "
                    "ON CONFLICT DO NOTHING",
                    round_id, key.bucket, key.tag, key.queue_id, to_text_array_literal(rows));
    txn.commit();
}

long slice_claims_pending(pqxx::connection& conn, long long round_id, const ClaimKey& key)
{
    pqxx::work txn(conn);
    const long pending =
        txn.exec_params1("SELECT count(*) FROM sync_claims WHERE round_id = $1 AND bucket = $2 "
                         "AND tag = $3 AND queue_id = $4 AND slice > 0 "
                         "AND state IN ('todo', 'walking')",
                         round_id, key.bucket, key.tag, key.queue_id)[0]
            .as<long>();
    txn.commit();
    return pending;
}

long slice_claims_todo(pqxx::connection& conn, long long round_id, const ClaimKey& key)
{
    pqxx::work txn(conn);
    const long todo =
        txn.exec_params1("SELECT count(*) FROM sync_claims WHERE round_id = $1 AND bucket = $2 "
                         "AND tag = $3 AND queue_id = $4 AND slice > 0 AND state = 'todo'",
                         round_id, key.bucket, key.tag, key.queue_id)[0]
            .as<long>();
    txn.commit();
    return todo;
}

std::vector<int> failed_slices(pqxx::connection& conn, long long round_id, const ClaimKey& key)
{
    pqxx::work txn(conn);
    std::vector<int> failed;
    for (const pqxx::row& row :
         txn.exec_params("SELECT slice - 1 FROM sync_claims WHERE round_id = $1 AND bucket = $2 "
                         "AND tag = $3 AND queue_id = $4 AND slice > 0 AND state = 'failed' "
                         "ORDER BY slice",
                         round_id, key.bucket, key.tag, key.queue_id)) {
        failed.push_back(row[0].as<int>());
    }
    txn.commit();
    return failed;
}

long live_workers(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    const long workers =
        txn.exec_params1("SELECT count(*) FROM sync_workers w WHERE w.round_id = $1 AND "
                         "(w.worker_id = $2 OR " +
                             alive("w.lease_until", "w.worker_id", "$3") + ")",
                         round_id, worker.worker_id, presence_prefix(worker))[0]
            .as<long>();
    txn.commit();
    return std::max(1L, workers);
}

long partitions_todo(pqxx::connection& conn, long long round_id)
{
    pqxx::work txn(conn);
    const long todo = txn.exec_params1("SELECT count(*) FROM sync_claims WHERE round_id = $1 "
                                       "AND slice = 0 AND state = 'todo'",
                                       round_id)[0]
                          .as<long>();
    txn.commit();
    return todo;
}

void finish_claim(pqxx::connection& conn, long long round_id, const RoundWorker& worker,
                  const ClaimKey& key, int slice, const std::string& state)
{
    pqxx::work txn(conn);
    txn.exec_params(
        "UPDATE sync_claims SET state = $6, lease_until = NULL, "
        "finished_at = CASE WHEN $6 = 'todo' THEN NULL ELSE now() END, "
        "claimed_by = CASE WHEN $6 = 'todo' THEN NULL ELSE claimed_by END "
        "WHERE round_id = $1 AND bucket = $3 AND tag = $4 AND queue_id = $5 AND slice = $7 "
        "AND claimed_by = $2 AND state = 'walking'",
        round_id, worker.worker_id, key.bucket, key.tag, key.queue_id, state, slice);
    txn.commit();
}

RoundLeft what_is_left(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    const KeyArrays keys(worker.partitions);
    pqxx::work txn(conn);
    const pqxx::row left =
        txn.exec_params1("SELECT count(*) FILTER (WHERE c.state IN ('todo', 'walking')), "
                         "count(*) FILTER (WHERE mine.bucket IS NOT NULL AND (c.state = 'todo' "
                         " OR (c.state = 'walking' AND c.claimed_by <> $2))) "
                         "FROM sync_claims c LEFT JOIN unnest($3::text[], $4::text[], $5::text[]) "
                         " AS mine (bucket, tag, queue_id) USING (bucket, tag, queue_id) "
                         "WHERE c.round_id = $1",
                         round_id, worker.worker_id, keys.bucket, keys.tag, keys.queue_id);
    RoundLeft result = RoundLeft::none_for_us;
    if (left[0].as<long>() == 0) {
        txn.exec_params("UPDATE sync_rounds SET status = 'done', closed_at = now() "
                        "WHERE round_id = $1 AND status = 'open'",
                        round_id);
        result = RoundLeft::finished;
    } else if (left[1].as<long>() > 0) {
        result = RoundLeft::wait;
    }
    txn.commit();
    return result;
}

long renew(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    const double lease = static_cast<double>(worker.lease_seconds);
    txn.exec_params("UPDATE sync_workers SET lease_until = now() + make_interval(secs => $2) "
                    "WHERE worker_id = $1",
                    worker.worker_id, lease);
    txn.exec_params("UPDATE sync_claims SET lease_until = now() + make_interval(secs => $3) "
                    "WHERE round_id = $1 AND claimed_by = $2 AND state = 'walking'",
                    round_id, worker.worker_id, lease);
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
                 " FROM sync_claims WHERE round_id = $1 AND state = 'walking' "
                 "ORDER BY bucket, tag, queue_id, slice",
             view.round_id)) {
        view.holders.push_back(
            {{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()},
             row[3].as<int>(),
             row[4].as<std::string>(),
             row[5].as<long>()});
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
