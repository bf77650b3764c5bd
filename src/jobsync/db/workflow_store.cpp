#include "jobsync/db/workflow_store.hpp"

#include "jobsync/db/database.hpp"
#include "jobsync/db/sql_params.hpp"

namespace jobsync {
namespace {

// A stored terminal state stays unless the incoming one is terminal too.
const std::string kKeepTerminal =
    " WHERE NOT (stored.state IN ('Success', 'Failed', 'Cancel') AND "
    "(EXCLUDED.state IS NULL OR EXCLUDED.state NOT IN ('Success', 'Failed', 'Cancel')))";

void add_time(SqlParams& params, const std::optional<UnixSeconds>& instant)
{
    if (instant) {
        params.add_computed(format_iso_utc(*instant));
    } else {
        params.add_null();
    }
}

// Runs a statement (prepared once per connection under name) and counts
// what its RETURNING (xmax = 0) row says: inserted, updated, or no row
// (refused by kKeepTerminal).
pqxx::result exec(pqxx::transaction_base& txn, const std::string& name, const std::string& sql,
                  const SqlParams& params)
{
    txn.conn().prepare(name, sql);
    const std::vector<SqlValue>& values = params.values();
    return txn.exec_prepared(name,
                             pqxx::prepare::make_dynamic_params(values.begin(), values.end()));
}

void count(const pqxx::result& result, WorkflowWriteResult& totals)
{
    if (result.empty()) {
        ++totals.refused;
    } else if (result[0][0].as<bool>()) {
        ++totals.inserted;
    } else {
        ++totals.updated;
    }
}

const std::string kUpsertWorkflow =
    "INSERT INTO workflows AS stored (workflow_id, bucket, name, state, create_time, "
    "update_time, detail) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::xml) "
    "ON CONFLICT (workflow_id) DO UPDATE SET bucket = EXCLUDED.bucket, name = EXCLUDED.name, "
    "state = EXCLUDED.state, create_time = EXCLUDED.create_time, "
    "update_time = EXCLUDED.update_time, detail = EXCLUDED.detail, last_synced_at = now() "
    "RETURNING xmax = 0";

const std::string kUpsertRun =
    "INSERT INTO workflow_runs AS stored (run_id, bucket, workflow_id, workflow_name, object, "
    "state, create_time, batch_job_id, detail, detail_synced_at) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7::timestamptz, nullif($8, ''), $9::xml, CASE WHEN $10::boolean THEN now() END) "
    "ON CONFLICT (run_id) DO UPDATE SET bucket = EXCLUDED.bucket, "
    "workflow_id = coalesce(EXCLUDED.workflow_id, stored.workflow_id), "
    "workflow_name = coalesce(EXCLUDED.workflow_name, stored.workflow_name), "
    "object = coalesce(EXCLUDED.object, stored.object), state = EXCLUDED.state, "
    "create_time = coalesce(EXCLUDED.create_time, stored.create_time), "
    "batch_job_id = coalesce(EXCLUDED.batch_job_id, stored.batch_job_id), "
    "detail = CASE WHEN $10::boolean OR stored.detail_synced_at IS NULL THEN EXCLUDED.detail "
    "ELSE stored.detail END, "
    // A listed state change makes the stored tasks stale: fetch the detail again.
    "detail_synced_at = CASE WHEN $10::boolean THEN EXCLUDED.detail_synced_at "
    "WHEN stored.state IS DISTINCT FROM EXCLUDED.state THEN NULL "
    "ELSE stored.detail_synced_at END, "
    "last_synced_at = now()" +
    kKeepTerminal + " RETURNING xmax = 0";

const std::string kDeleteTasks = "DELETE FROM workflow_run_tasks WHERE run_id = $1";

const std::string kInsertTask =
    "INSERT INTO workflow_run_tasks (run_id, ordinal, node_name, type, job_id, state, code, "
    "message, create_time, start_time, end_time) VALUES ($1, $2::int, $3, $4, $5, $6, $7, $8, "
    "$9::timestamptz, $10::timestamptz, $11::timestamptz)";

const std::string kUpsertBatchJob =
    "INSERT INTO batch_jobs AS stored (job_id, bucket, type, name, state, code, message, "
    "creation_time, start_time, end_time, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, "
    "$8::timestamptz, $9::timestamptz, $10::timestamptz, $11::xml) "
    "ON CONFLICT (job_id) DO UPDATE SET bucket = EXCLUDED.bucket, type = EXCLUDED.type, "
    "name = EXCLUDED.name, state = EXCLUDED.state, code = EXCLUDED.code, "
    "message = EXCLUDED.message, creation_time = EXCLUDED.creation_time, "
    "start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, "
    "detail = EXCLUDED.detail, last_synced_at = now()" +
    kKeepTerminal + " RETURNING xmax = 0";

void replace_tasks(pqxx::transaction_base& txn, const WorkflowRunRecord& run)
{
    SqlParams params;
    params.add(run.run_id);
    exec(txn, "jobsync_delete_run_tasks", kDeleteTasks, params);
    for (const WorkflowTaskRecord& task : run.tasks) {
        params.clear();
        params.add(run.run_id);
        params.add_computed(std::to_string(task.ordinal));
        for (const OptText& text :
             {task.node_name, task.type, task.job_id, task.state, task.code, task.message}) {
            params.add_nullable(text);
        }
        add_time(params, task.create_time);
        add_time(params, task.start_time);
        add_time(params, task.end_time);
        exec(txn, "jobsync_insert_run_task", kInsertTask, params);
    }
}

} // namespace

namespace workflow_store {

WorkflowWriteResult write_workflows(pqxx::transaction_base& txn, const std::string& bucket,
                                    const WorkflowPage& page)
{
    WorkflowWriteResult totals;
    SqlParams params;
    for (const WorkflowRecord& workflow : page.records) {
        params.clear();
        params.add(workflow.workflow_id);
        params.add(bucket);
        params.add_nullable(workflow.name);
        params.add_nullable(workflow.state);
        add_time(params, workflow.create_time);
        add_time(params, workflow.update_time);
        params.add(workflow.detail_xml);
        count(exec(txn, "jobsync_upsert_workflow", kUpsertWorkflow, params), totals);
    }
    return totals;
}

WorkflowWriteResult write_runs(pqxx::transaction_base& txn, const std::string& bucket,
                               const WorkflowRunPage& page, const std::string& batch_job_id)
{
    WorkflowWriteResult totals;
    SqlParams params;
    for (const WorkflowRunRecord& run : page.records) {
        params.clear();
        params.add(run.run_id);
        params.add(bucket);
        for (const OptText& text : {run.workflow_id, run.workflow_name, run.object, run.state}) {
            params.add_nullable(text);
        }
        add_time(params, run.create_time);
        params.add(batch_job_id);
        params.add(run.detail_xml);
        params.add(run.from_detail ? "true" : "false");
        const pqxx::result result = exec(txn, "jobsync_upsert_run", kUpsertRun, params);
        count(result, totals);
        if (!result.empty() && run.from_detail) {
            replace_tasks(txn, run);
        }
    }
    return totals;
}

WorkflowWriteResult write_batch_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                                     const BatchJobPage& page)
{
    WorkflowWriteResult totals;
    SqlParams params;
    for (const BatchJobRecord& job : page.records) {
        params.clear();
        params.add(job.job_id);
        params.add(bucket);
        for (const OptText& text : {job.type, job.name, job.state, job.code, job.message}) {
            params.add_nullable(text);
        }
        add_time(params, job.creation_time);
        add_time(params, job.start_time);
        add_time(params, job.end_time);
        params.add(job.detail_xml);
        count(exec(txn, "jobsync_upsert_batch_job", kUpsertBatchJob, params), totals);
    }
    return totals;
}

std::vector<std::string> runs_needing_detail(pqxx::transaction_base& txn, const std::string& bucket,
                                             long limit)
{
    std::vector<std::string> run_ids;
    const pqxx::result rows = txn.exec_params(
        "SELECT run_id FROM workflow_runs WHERE bucket = $1 AND (detail_synced_at IS NULL OR "
        "state IS NULL OR state NOT IN ('Success', 'Failed', 'Cancel')) "
        "ORDER BY create_time NULLS FIRST, run_id LIMIT $2",
        bucket, limit);
    for (const pqxx::row& row : rows) {
        run_ids.push_back(row[0].as<std::string>());
    }
    return run_ids;
}

std::vector<std::string> runs_without_detail(pqxx::transaction_base& txn,
                                             const std::vector<std::string>& run_ids)
{
    std::vector<std::string> due;
    const pqxx::result rows =
        txn.exec_params("SELECT run_id FROM workflow_runs WHERE run_id = ANY ($1::text[]) AND "
                        "detail_synced_at IS NULL ORDER BY create_time NULLS FIRST, run_id",
                        to_text_array_literal(run_ids));
    for (const pqxx::row& row : rows) {
        due.push_back(row[0].as<std::string>());
    }
    return due;
}

std::vector<std::string> workflow_runs_needing_detail(pqxx::transaction_base& txn,
                                                      const std::string& bucket,
                                                      const std::string& workflow_id, long limit)
{
    std::vector<std::string> run_ids;
    const pqxx::result rows = txn.exec_params(
        "SELECT run_id FROM workflow_runs WHERE bucket = $1 AND workflow_id = $2 AND "
        "(detail_synced_at IS NULL OR state IS NULL OR state NOT IN ('Success', 'Failed', "
        "'Cancel')) ORDER BY create_time NULLS FIRST, run_id LIMIT $3",
        bucket, workflow_id, limit);
    for (const pqxx::row& row : rows) {
        run_ids.push_back(row[0].as<std::string>());
    }
    return run_ids;
}

std::optional<UnixSeconds> oldest_unfinished_batch_job(pqxx::transaction_base& txn,
                                                       const std::string& bucket, UnixSeconds since)
{
    const pqxx::row row =
        txn.exec_params1("SELECT extract(epoch FROM min(creation_time))::bigint FROM batch_jobs "
                         "WHERE bucket = $1 AND creation_time >= $2::timestamptz AND "
                         "(state IS NULL OR state NOT IN ('Success', 'Failed', 'Cancel'))",
                         bucket, format_iso_utc(since));
    if (row[0].is_null()) {
        return std::nullopt;
    }
    return row[0].as<UnixSeconds>();
}

} // namespace workflow_store
} // namespace jobsync
