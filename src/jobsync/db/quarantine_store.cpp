#include "jobsync/db/quarantine_store.hpp"

#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/db/job_store.hpp"

namespace jobsync {
namespace {

// A readable job id is enough for people: the key and raw hold it exactly.
constexpr std::size_t kJobIdBytes = 256;
constexpr std::size_t kErrorBytes = 1000;

} // namespace

namespace quarantine_store {

void add(pqxx::transaction_base& txn, const Partition& partition, std::string_view job_id,
         std::string_view raw, const std::string& error)
{
    // An id that had to be cut or made printable is shown with its key, so
    // that two ids alike in their first 256 bytes stay apart for people too.
    const std::string shown = sanitize_text(job_id, TextForm::line, kJobIdBytes);
    const bool altered = shown != job_id;
    txn.exec_params(
        "INSERT INTO quarantine (bucket, job_id_sha256, job_id, tag, queue_id, raw, error) "
        "SELECT $1, key, CASE WHEN $8 THEN $3 || ' sha256:' || encode(key, 'hex') ELSE $3 END, "
        "$4, $5, $6::bytea, $7 FROM (SELECT sha256(CASE WHEN $2::bytea = ''::bytea "
        "THEN $6::bytea ELSE $2::bytea END) AS key) AS k "
        "ON CONFLICT (bucket, job_id_sha256) DO UPDATE SET job_id = EXCLUDED.job_id, "
        "tag = EXCLUDED.tag, queue_id = EXCLUDED.queue_id, raw = EXCLUDED.raw, "
        "error = EXCLUDED.error, last_seen = now(), times_seen = quarantine.times_seen + 1",
        partition.bucket(), bytea_literal(std::string(job_id)), shown, partition.tag,
        partition.queue_id, bytea_literal(std::string(raw)),
        sanitize_text(error, TextForm::line, kErrorBytes), altered);
}

void release(pqxx::transaction_base& txn, const std::string& bucket, const std::string& job_ids)
{
    // The key of a stored (so valid UTF-8) id, computed as add() computes it.
    const std::string name = "jobsync_release_quarantine";
    txn.conn().prepare(name, "DELETE FROM quarantine WHERE bucket = $1 AND job_id_sha256 = "
                             "ANY (ARRAY(SELECT sha256(convert_to(id, 'UTF8')) "
                             "FROM unnest($2::text[]) AS id))");
    txn.exec_prepared(name, bucket, job_ids);
}

long count_all(pqxx::transaction_base& txn)
{
    return txn.exec1("SELECT count(*) FROM quarantine")[0].as<long>();
}

} // namespace quarantine_store
} // namespace jobsync
