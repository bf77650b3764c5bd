#include "jobsync/db/run_store.hpp"

#include "jobsync/core/text_sanitizer.hpp"

#include <unistd.h>

namespace jobsync::run_store {
namespace {

// sync_runs.errors holds one line per failed partition.
constexpr std::size_t kRunErrorsBytes = 64 * 1024;

} // namespace

StartedRun start_run(pqxx::connection& conn, int partitions, long long round_id,
                     const std::string& worker_id, const std::string& presence_prefix)
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    pqxx::work txn(conn);
    StartedRun started;
    // A presence lock we can take is free: that worker's session closed. It
    // is held until our commit, which is harmless (worker ids are never reused).
    const pqxx::result closed = txn.exec_params(
        "UPDATE sync_runs SET status = 'abandoned', finished_at = now(), errors = "
        "coalesce(errors || E'\\n', '') || 'the process ended without recording the end of "
        "the run' WHERE run_id IN (SELECT run_id FROM sync_runs WHERE status = 'running' "
        "AND worker_id IS NOT NULL ORDER BY run_id FOR UPDATE SKIP LOCKED) "
        "AND pg_try_advisory_xact_lock(hashtextextended($1 || worker_id, 0)) "
        "RETURNING run_id, coalesce(host, ''), coalesce(pid, 0)",
        presence_prefix);
    for (const auto& row : closed) {
        started.abandoned.push_back(
            {row[0].as<long long>(), row[1].as<std::string>(), row[2].as<int>()});
    }
    started.run_id =
        txn.exec_params1("INSERT INTO sync_runs (host, pid, partitions, round_id, worker_id) "
                         "VALUES ($1, $2, $3, $4, $5) RETURNING run_id",
                         std::string(host), static_cast<int>(::getpid()), partitions, round_id,
                         worker_id)[0]
            .as<long long>();
    txn.commit();
    return started;
}

void finish_run(pqxx::connection& conn, long long run_id, const RunTotals& t)
{
    pqxx::work txn(conn);
    txn.exec_params("UPDATE sync_runs SET finished_at = now(), status = $2, "
                    "partitions_failed = $3, partitions_skipped = $4, pages = $5, requests = $6, "
                    "jobs = $7, jobs_inserted = $8, jobs_updated = $9, jobs_unchanged = $10, "
                    "refusals = $11, warnings = $12, errors = nullif($13, ''), "
                    "jobs_quarantined = $14, jobs_refreshed_by_id = $15, requests_by_id = $16, "
                    "jobs_vanished = $17, slices = $18 WHERE run_id = $1",
                    run_id, t.status, t.partitions_failed, t.partitions_skipped, t.pages,
                    t.requests, t.jobs, t.inserted, t.updated, t.unchanged, t.refusals, t.warnings,
                    sanitize_text(t.errors, TextForm::lines, kRunErrorsBytes), t.quarantined,
                    t.refreshed_by_id, t.requests_by_id, t.vanished, t.slices);
    txn.commit();
}

} // namespace jobsync::run_store
