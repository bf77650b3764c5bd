#include "jobsync/db/inbox_store.hpp"

#include <algorithm>

namespace jobsync::inbox_store {
namespace {

std::string joined(const std::vector<std::string>& values)
{
    std::string out;
    for (const std::string& value : values) {
        out += (out.empty() ? "" : ",") + value;
    }
    return out;
}

std::string joined(const std::vector<long long>& values)
{
    std::string out;
    for (const long long value : values) {
        out += (out.empty() ? "" : ",") + std::to_string(value);
    }
    return out;
}

void touch_activity(pqxx::work& txn, const char* column)
{
    const std::string name(column);
    txn.exec("INSERT INTO inbox_activity (singleton, " + name +
             ") VALUES (true, clock_timestamp()) ON CONFLICT (singleton) DO UPDATE SET " + name +
             " = EXCLUDED." + name);
}

} // namespace

void record(pqxx::work& txn, const std::string& bucket, const std::vector<std::string>& job_ids,
            std::string_view via, std::string_view event_name)
{
    txn.exec_params(
        "INSERT INTO inbox (bucket, job_id, via, event_name) "
        "SELECT DISTINCT $1, id, $3, $4 FROM unnest(string_to_array($2, ',')) AS id "
        "ON CONFLICT (bucket, job_id) DO UPDATE SET last_received_at = clock_timestamp(), "
        "times_received = inbox.times_received + 1, via = EXCLUDED.via, "
        "event_name = EXCLUDED.event_name",
        bucket, joined(job_ids), std::string(via), std::string(event_name));
    touch_activity(txn, "last_push_at");
}

std::optional<InboxBatch> next_batch(pqxx::work& txn, const InboxTake& take)
{
    // The head is the row due first; ids that failed before go alone, so one
    // refused id cannot take a batch of good ones down with it again.
    static const std::string eligible = "CASE WHEN $2::boolean THEN %.last_attempt_at IS NULL OR "
                                        "%.last_attempt_at < $3::timestamptz "
                                        "ELSE %.next_attempt_at <= clock_timestamp() END";
    const auto for_alias = [](std::string text, const std::string& alias) {
        for (std::size_t at; (at = text.find('%')) != std::string::npos;) {
            text.replace(at, 1, alias);
        }
        return text;
    };
    const pqxx::result rows = txn.exec_params(
        "WITH head AS (SELECT h.bucket, h.job_id, h.attempts FROM inbox h WHERE " +
            for_alias(eligible, "h") +
            " ORDER BY h.next_attempt_at, h.first_received_at, h.job_id LIMIT 1) "
            "SELECT i.bucket, i.job_id, i.times_received, "
            "EXTRACT(EPOCH FROM clock_timestamp() - i.first_received_at)::float8 "
            "FROM inbox i JOIN head USING (bucket) WHERE (" +
            for_alias(eligible, "i") +
            ") AND (i.job_id = head.job_id OR (head.attempts = 0 AND i.attempts = 0)) "
            "ORDER BY i.next_attempt_at, i.first_received_at, i.job_id LIMIT $1",
        static_cast<long>(take.limit), take.pass_started.has_value(),
        take.pass_started.value_or("-infinity"));
    if (rows.empty()) {
        return std::nullopt;
    }
    InboxBatch batch;
    batch.bucket = rows[0][0].as<std::string>();
    for (const pqxx::row& row : rows) {
        batch.job_ids.push_back(row[1].as<std::string>());
        batch.times_received.push_back(row[2].as<long long>());
        batch.oldest_age_seconds = std::max(batch.oldest_age_seconds, row[3].as<double>());
    }
    return batch;
}

std::string database_now(pqxx::work& txn)
{
    return txn.exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
}

void remove(pqxx::work& txn, const InboxBatch& batch)
{
    txn.exec_params("DELETE FROM inbox i USING unnest(string_to_array($2, ','), "
                    "string_to_array($3, ',')::bigint[]) AS taken(job_id, times_received) "
                    "WHERE i.bucket = $1 AND i.job_id = taken.job_id "
                    "AND i.times_received = taken.times_received",
                    batch.bucket, joined(batch.job_ids), joined(batch.times_received));
    // Written out after all (a later callback of a job given up on before).
    txn.exec_params("DELETE FROM inbox_dropped WHERE bucket = $1 "
                    "AND job_id = ANY(string_to_array($2, ','))",
                    batch.bucket, joined(batch.job_ids));
    touch_activity(txn, "last_drained_at");
}

FailedAttempt record_failure(pqxx::work& txn, const InboxBatch& batch, const std::string& error,
                             const RetryPolicy& policy)
{
    FailedAttempt outcome;
    const pqxx::result bumped = txn.exec_params(
        "UPDATE inbox SET attempts = attempts + 1, last_attempt_at = clock_timestamp(), "
        "last_error = $3, next_attempt_at = clock_timestamp() + "
        "make_interval(secs => least($4::float8 * power(2, least(attempts, 30)), $5::float8)) "
        "WHERE bucket = $1 AND job_id = ANY(string_to_array($2, ',')) "
        "RETURNING attempts, EXTRACT(EPOCH FROM next_attempt_at - clock_timestamp())::float8",
        batch.bucket, joined(batch.job_ids), error, policy.first_delay_seconds,
        policy.max_delay_seconds);
    for (const pqxx::row& row : bumped) {
        outcome.attempts = std::max(outcome.attempts, row[0].as<int>());
        outcome.retry_in_seconds = std::max(outcome.retry_in_seconds, row[1].as<double>());
    }
    const pqxx::result dropped = txn.exec_params(
        "WITH gone AS (DELETE FROM inbox WHERE bucket = $1 "
        "AND job_id = ANY(string_to_array($2, ',')) AND attempts >= $3 RETURNING *) "
        "INSERT INTO inbox_dropped (bucket, job_id, first_received_at, last_received_at, via, "
        "event_name, times_received, attempts, last_error, dropped_at) "
        "SELECT bucket, job_id, first_received_at, last_received_at, via, event_name, "
        "times_received, attempts, last_error, clock_timestamp() FROM gone "
        "ON CONFLICT (bucket, job_id) DO UPDATE SET first_received_at = "
        "EXCLUDED.first_received_at, last_received_at = EXCLUDED.last_received_at, "
        "via = EXCLUDED.via, event_name = EXCLUDED.event_name, "
        "times_received = EXCLUDED.times_received, attempts = EXCLUDED.attempts, "
        "last_error = EXCLUDED.last_error, dropped_at = EXCLUDED.dropped_at "
        "RETURNING job_id",
        batch.bucket, joined(batch.job_ids), policy.max_attempts);
    for (const pqxx::row& row : dropped) {
        outcome.dropped_ids.push_back(row[0].as<std::string>());
    }
    std::sort(outcome.dropped_ids.begin(), outcome.dropped_ids.end());
    return outcome;
}

InboxActivity activity(pqxx::transaction_base& txn)
{
    const pqxx::row row = txn.exec1("SELECT (SELECT count(*) FROM inbox), "
                                    "(SELECT EXTRACT(EPOCH FROM clock_timestamp() - "
                                    "last_push_at)::float8 FROM inbox_activity), "
                                    "(SELECT EXTRACT(EPOCH FROM clock_timestamp() - "
                                    "min(first_received_at))::float8 FROM inbox)");
    InboxActivity result;
    result.depth = row[0].as<long long>();
    if (!row[1].is_null()) {
        result.last_push_age_seconds = row[1].as<double>();
    }
    if (!row[2].is_null()) {
        result.oldest_age_seconds = row[2].as<double>();
    }
    // A database not yet migrated to 0010 has no inbox_dropped.
    if (txn.exec1("SELECT to_regclass('inbox_dropped') IS NOT NULL")[0].as<bool>()) {
        result.dropped = txn.exec1("SELECT count(*) FROM inbox_dropped")[0].as<long long>();
    }
    return result;
}

} // namespace jobsync::inbox_store
