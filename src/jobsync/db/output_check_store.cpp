#include "jobsync/db/output_check_store.hpp"

#include "jobsync/db/time_param.hpp"

namespace jobsync::output_check_store {
namespace {

// A nullable text parameter.
const char* text_or_null(const std::string& value)
{
    return value.empty() ? nullptr : value.c_str();
}

DueObject due_from(const pqxx::row& row)
{
    DueObject due;
    due.bucket = row[0].c_str();
    due.object_name = row[1].c_str();
    due.region = row[2].c_str();
    due.writer_job_id = row[3].c_str();
    due.job_bucket = row[4].c_str();
    if (!row[5].is_null()) {
        due.reported_md5 = row[5].c_str();
    }
    return due;
}

} // namespace

long collect_due(pqxx::connection& conn, const AuditSelection& selection)
{
    pqxx::work txn(conn);
    txn.exec("DROP TABLE IF EXISTS pg_temp.audit_due");
    const TimeParam since(selection.since);
    const TimeParam until(selection.until);
    // The newest writer decides; w.writer_rank = 1 may still hold one job's
    // two rows for the same object, hence DISTINCT ON.
    txn.exec_params(
        "CREATE TEMP TABLE audit_due AS "
        "SELECT DISTINCT ON (w.bucket, w.object_name) w.bucket, w.object_name, w.region, "
        "       w.job_id, w.job_bucket, w.md5 "
        "FROM v_output_writers w "
        "LEFT JOIN output_checks c ON c.bucket = w.bucket AND c.object_name = w.object_name "
        "WHERE w.writer_rank = 1 AND w.bucket <> '' AND w.region <> '' AND w.object_name <> '' "
        "  AND ($1::timestamptz IS NULL OR w.creation_time >= $1::timestamptz) "
        "  AND ($2::timestamptz IS NULL OR w.creation_time < $2::timestamptz) "
        "  AND ($3 OR c.object_name IS NULL OR c.writer_job_id <> w.job_id "
        "       OR c.http_status IS NULL OR c.http_status NOT IN (200, 403, 404) "
        "       OR c.checked_at < now() - $4::float8 * interval '1 second') "
        "ORDER BY w.bucket, w.object_name, w.job_id",
        since.get(), until.get(), selection.recheck, selection.recheck_after_seconds);
    txn.exec("ALTER TABLE pg_temp.audit_due ADD PRIMARY KEY (bucket, object_name)");
    const long count = txn.exec1("SELECT count(*) FROM pg_temp.audit_due")[0].as<long>();
    txn.commit();
    return count;
}

std::vector<DueObject> next_due(pqxx::connection& conn, const DueObject* after, long limit)
{
    pqxx::read_transaction txn(conn);
    const pqxx::result rows = txn.exec_params(
        "SELECT bucket, object_name, region, job_id, job_bucket, md5 FROM pg_temp.audit_due "
        "WHERE $1::text IS NULL OR (bucket, object_name) > ($1::text, $2::text) "
        "ORDER BY bucket, object_name LIMIT $3",
        after == nullptr ? nullptr : after->bucket.c_str(),
        after == nullptr ? nullptr : after->object_name.c_str(), limit);
    std::vector<DueObject> due;
    due.reserve(rows.size());
    for (const pqxx::row& row : rows) {
        due.push_back(due_from(row));
    }
    return due;
}

std::vector<std::string> record(pqxx::connection& conn, const std::vector<OutputCheck>& checks)
{
    pqxx::work txn(conn);
    std::vector<std::string> verdicts;
    verdicts.reserve(checks.size());
    for (const OutputCheck& check : checks) {
        const DueObject& o = check.object;
        const ObjectHead head = check.head.value_or(ObjectHead{});
        const std::optional<long> status =
            check.head ? std::optional<long>(head.http_status) : check.error_status;
        const std::optional<long long> length = head.content_length;
        const TimeParam last_modified(head.last_modified);
        const pqxx::row row = txn.exec_params1(
            "INSERT INTO output_checks AS c (bucket, object_name, region, checked_at, "
            "  http_status, \"exists\", content_length, etag, crc64, meta_md5, last_modified, "
            "  error, writer_job_id, reported_md5, filehash_md5, request_id) "
            "VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10::timestamptz, $11, $12, $13, "
            "  $14, $15) "
            "ON CONFLICT (bucket, object_name) DO UPDATE SET region = EXCLUDED.region, "
            "  checked_at = EXCLUDED.checked_at, http_status = EXCLUDED.http_status, "
            "  \"exists\" = EXCLUDED.\"exists\", content_length = EXCLUDED.content_length, "
            "  etag = EXCLUDED.etag, crc64 = EXCLUDED.crc64, meta_md5 = EXCLUDED.meta_md5, "
            "  last_modified = EXCLUDED.last_modified, error = EXCLUDED.error, "
            "  writer_job_id = EXCLUDED.writer_job_id, reported_md5 = EXCLUDED.reported_md5, "
            "  filehash_md5 = EXCLUDED.filehash_md5, request_id = EXCLUDED.request_id "
            "RETURNING output_check_verdict(c.reported_md5, c.http_status, c.etag, c.meta_md5, "
            "  c.filehash_md5)",
            o.bucket, o.object_name, o.region, status,
            check.head ? std::optional<bool>(head.exists()) : std::nullopt, length,
            text_or_null(head.etag), text_or_null(head.crc64), text_or_null(head.meta_md5),
            last_modified.get(), text_or_null(check.error), o.writer_job_id, o.reported_md5,
            text_or_null(check.filehash_md5), text_or_null(head.request_id));
        verdicts.emplace_back(row[0].c_str());
    }
    txn.commit();
    return verdicts;
}

} // namespace jobsync::output_check_store
