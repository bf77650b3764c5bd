#include "jobsync/db/sync_state_store.hpp"

#include "jobsync/db/time_param.hpp"

namespace jobsync::sync_state_store {

SyncState read(pqxx::transaction_base& txn)
{
    SyncState state;
    const pqxx::result rows = txn.exec(
        "WITH partitions AS ("
        "  SELECT bucket, tag, queue_id FROM sync_claims"
        "  WHERE kind = 'plan' AND round_id = (SELECT max(round_id) FROM sync_rounds)"
        "  UNION SELECT bucket, tag, queue_id FROM quarantine) "
        "SELECT p.bucket, p.tag, p.queue_id, extract(epoch FROM c.cursor)::bigint, "
        "  extract(epoch FROM greatest(c.last_page_at, (SELECT max(s.last_page_at) "
        "    FROM sync_plans l JOIN sync_slices s USING (plan_id) "
        "    WHERE (l.bucket, l.tag, l.queue_id) = (p.bucket, p.tag, p.queue_id))))::bigint, "
        "  EXISTS (SELECT 1 FROM sync_claims k JOIN sync_rounds r USING (round_id) "
        "    WHERE r.status = 'open' AND k.state = 'walking' AND k.lease_until > now() "
        "    AND (k.bucket, k.tag, k.queue_id) = (p.bucket, p.tag, p.queue_id)), "
        "  (SELECT count(*) FROM quarantine q "
        "    WHERE (q.bucket, q.tag, q.queue_id) = (p.bucket, p.tag, p.queue_id)) "
        "FROM partitions p LEFT JOIN sync_checkpoints c USING (bucket, tag, queue_id) "
        "ORDER BY p.bucket, p.tag, p.queue_id");
    for (const pqxx::row& row : rows) {
        PartitionState partition;
        partition.bucket = row[0].as<std::string>();
        partition.tag = row[1].as<std::string>();
        partition.queue_id = row[2].as<std::string>();
        partition.cursor = epoch_or_null(row[3]);
        partition.last_page_at = epoch_or_null(row[4]);
        partition.walking = row[5].as<bool>();
        partition.quarantined_jobs = row[6].as<long long>();
        state.partitions.push_back(std::move(partition));
    }
    state.runs_failed_in_a_row =
        txn.exec1("SELECT count(*) FROM sync_runs WHERE status = 'failed' AND run_id > "
                  "coalesce((SELECT max(run_id) FROM sync_runs WHERE status = 'ok'), 0)")[0]
            .as<long long>();
    return state;
}

} // namespace jobsync::sync_state_store
