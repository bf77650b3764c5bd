#include "jobsync/db/unit_store.hpp"

#include "jobsync/db/database.hpp"

#include <algorithm>

namespace jobsync::unit_store {
namespace {

// The unit, as claimed by the holder ($9) in that claim ($10).
constexpr const char* kHeldUnit =
    "round_id = $1 AND bucket = $2 AND tag = $3 AND queue_id = $4 AND kind = $5 "
    "AND coalesce(plan_id, 0) = $6 AND slice = $7 AND claimed_by = $9 AND claim_no = $10 "
    "AND state = 'walking'";

const char* kind_of(const UnitKey& unit)
{
    return unit.is_plan() ? "plan" : "slice";
}

void notify(pqxx::transaction_base& txn, const std::string& schema)
{
    txn.exec_params("SELECT pg_notify($1, '')", channel(schema));
}

} // namespace

std::string channel(const std::string& schema)
{
    return "ci_jobsync_units_" + schema;
}

std::optional<ClaimedUnit> claim_next(pqxx::connection& conn, long long round_id,
                                      const RoundWorker& worker)
{
    const KeyArrays keys(worker.partitions);
    pqxx::work txn(conn);
    const pqxx::result claimed = txn.exec_params(
        "WITH next AS ("
        " SELECT c.bucket, c.tag, c.queue_id, c.kind, c.plan_id, c.slice, "
        "  c.claimed_by AS was_claimed_by "
        " FROM sync_claims c JOIN unnest($3::text[], $4::text[], $5::text[]) "
        "  AS mine (bucket, tag, queue_id) USING (bucket, tag, queue_id) "
        " WHERE c.round_id = $1 AND EXISTS (SELECT 1 FROM sync_rounds r WHERE r.round_id = $1 "
        "  AND r.status = 'open') AND (c.state = 'todo' OR (c.state = 'walking' AND NOT " +
            round_store::alive_sql("c.lease_until", "c.claimed_by", "$6") +
            ")) "
            " ORDER BY c.state = 'todo', c.kind = 'plan', c.bucket, c.tag, c.queue_id, "
            "  c.plan_id, c.slice "
            " LIMIT 1 FOR UPDATE OF c SKIP LOCKED) "
            "UPDATE sync_claims c SET state = 'walking', claimed_by = $2, "
            "lease_until = now() + make_interval(secs => $7), started_at = now(), "
            "finished_at = NULL, takeovers = c.takeovers + (n.was_claimed_by IS NOT NULL)::int, "
            "claim_no = c.claim_no + 1 "
            "FROM next n WHERE c.round_id = $1 AND c.bucket = n.bucket AND c.tag = n.tag "
            "AND c.queue_id = n.queue_id AND c.kind = n.kind "
            "AND coalesce(c.plan_id, 0) = coalesce(n.plan_id, 0) AND c.slice = n.slice "
            "RETURNING c.bucket, c.tag, c.queue_id, coalesce(c.plan_id, 0), c.slice, "
            "n.was_claimed_by IS NOT NULL, c.claim_no",
        round_id, worker.worker_id, keys.bucket, keys.tag, keys.queue_id,
        round_store::presence_prefix(worker.schema), static_cast<double>(worker.lease_seconds));
    if (claimed.empty()) {
        txn.commit();
        return std::nullopt;
    }
    ClaimedUnit unit;
    const pqxx::row row = claimed[0];
    unit.key.partition = {row[0].as<std::string>(), row[1].as<std::string>(),
                          row[2].as<std::string>()};
    unit.key.plan_id = row[3].as<long long>();
    unit.key.slice = row[4].as<int>();
    unit.taken_over = row[5].as<bool>();
    unit.key.claim_no = row[6].as<long long>();
    unit.live_walkers = std::max(
        1L, txn.exec_params1("SELECT count(DISTINCT claimed_by) FROM sync_claims "
                             "WHERE round_id = $1 AND state = 'walking' AND lease_until > now()",
                             round_id)[0]
                .as<long>());
    txn.commit();
    return unit;
}

bool hold(pqxx::transaction_base& txn, const UnitHolder& holder, const UnitKey& unit)
{
    // An UPDATE, not only FOR SHARE: the fence and the lease renewal are one
    // statement, and the row stays locked until the commit, so no takeover
    // can slip in between this check and the page's commit.
    const pqxx::result held = txn.exec_params(
        std::string("UPDATE sync_claims SET lease_until = now() + make_interval(secs => $8) "
                    "WHERE ") +
            kHeldUnit + " RETURNING 1",
        holder.round_id, unit.partition.bucket, unit.partition.tag, unit.partition.queue_id,
        kind_of(unit), unit.plan_id, unit.slice, static_cast<double>(holder.lease_seconds),
        holder.worker_id, unit.claim_no);
    return !held.empty();
}

bool still_holds(pqxx::transaction_base& txn, const UnitHolder& holder, const UnitKey& unit)
{
    return !txn.exec_params(std::string("SELECT 1 FROM sync_claims WHERE ") + kHeldUnit +
                                " AND $8::int IS NULL",
                            holder.round_id, unit.partition.bucket, unit.partition.tag,
                            unit.partition.queue_id, kind_of(unit), unit.plan_id, unit.slice,
                            nullptr, holder.worker_id, unit.claim_no)
                .empty();
}

void add_slice_units(pqxx::transaction_base& txn, const std::string& schema,
                     const UnitHolder& holder, const ClaimKey& partition, long long plan_id,
                     const std::vector<int>& slices, std::optional<int> walking_slice)
{
    std::vector<std::string> rows;
    for (const int slice : slices) {
        rows.push_back(std::to_string(slice));
    }
    txn.exec_params("INSERT INTO sync_claims (round_id, bucket, tag, queue_id, kind, plan_id, "
                    "slice, state, claimed_by, lease_until, started_at, claim_no) "
                    "SELECT $1, $2, $3, $4, 'slice', $5, s, "
                    "CASE WHEN s = $7 THEN 'walking' ELSE 'todo' END, "
                    "CASE WHEN s = $7 THEN $8 END, "
                    "CASE WHEN s = $7 THEN now() + make_interval(secs => $9) END, "
                    "CASE WHEN s = $7 THEN now() END, (s = $7)::int "
                    "FROM unnest($6::int[]) AS s ON CONFLICT DO NOTHING",
                    holder.round_id, partition.bucket, partition.tag, partition.queue_id, plan_id,
                    to_text_array_literal(rows), walking_slice.value_or(-1), holder.worker_id,
                    static_cast<double>(holder.lease_seconds));
    notify(txn, schema);
}

void reopen_plan_unit(pqxx::transaction_base& txn, const std::string& schema, long long round_id,
                      const ClaimKey& partition)
{
    const pqxx::result reopened = txn.exec_params(
        "UPDATE sync_claims SET state = 'todo', claimed_by = NULL, lease_until = NULL, "
        "finished_at = NULL WHERE round_id = $1 AND bucket = $2 AND tag = $3 AND queue_id = $4 "
        "AND kind = 'plan' AND state = 'done'",
        round_id, partition.bucket, partition.tag, partition.queue_id);
    if (reopened.affected_rows() > 0) {
        notify(txn, schema);
    }
}

void finish(pqxx::connection& conn, const std::string& schema, const UnitHolder& holder,
            const UnitKey& unit, const std::string& state)
{
    pqxx::work txn(conn);
    txn.exec_params(std::string("UPDATE sync_claims SET state = $8, lease_until = NULL, "
                                "finished_at = CASE WHEN $8 = 'todo' THEN NULL ELSE now() END, "
                                "claimed_by = CASE WHEN $8 = 'todo' THEN NULL ELSE claimed_by END "
                                "WHERE ") +
                        kHeldUnit,
                    holder.round_id, unit.partition.bucket, unit.partition.tag,
                    unit.partition.queue_id, kind_of(unit), unit.plan_id, unit.slice, state,
                    holder.worker_id, unit.claim_no);
    notify(txn, schema);
    txn.commit();
}

long plans_running(pqxx::connection& conn, long long round_id, const RoundWorker& worker)
{
    pqxx::work txn(conn);
    const long running =
        txn.exec_params1("SELECT count(*) FROM sync_claims c WHERE c.round_id = $1 "
                         "AND c.kind = 'plan' AND c.state = 'walking' AND " +
                             round_store::alive_sql("c.lease_until", "c.claimed_by", "$2"),
                         round_id, round_store::presence_prefix(worker.schema))[0]
            .as<long>();
    txn.commit();
    return running;
}

long plans_todo(pqxx::connection& conn, long long round_id)
{
    pqxx::work txn(conn);
    const long todo = txn.exec_params1("SELECT count(*) FROM sync_claims WHERE round_id = $1 "
                                       "AND kind = 'plan' AND state = 'todo'",
                                       round_id)[0]
                          .as<long>();
    txn.commit();
    return todo;
}

} // namespace jobsync::unit_store
