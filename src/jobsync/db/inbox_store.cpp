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

// The two inboxes share their statements: job ids (0006, 0010) and workflow
// run ids (0018). {inbox}, {id}, {dropped} and {carried} (columns only the
// job inbox has) are replaced by the table's names.
struct Table {
    const char* inbox;
    const char* id;
    const char* dropped;
    const char* carried;
};
const Table kJobs{"inbox", "job_id", "inbox_dropped", "via, event_name, "};
const Table kRuns{"inbox_runs", "run_id", "inbox_runs_dropped", ""};

std::string sql(std::string text, const Table& table)
{
    const std::pair<const char*, const char*> names[] = {{"{inbox}", table.inbox},
                                                         {"{id}", table.id},
                                                         {"{dropped}", table.dropped},
                                                         {"{carried}", table.carried}};
    for (const auto& [placeholder, name] : names) {
        const std::string key(placeholder);
        for (std::size_t at; (at = text.find(key)) != std::string::npos;) {
            text.replace(at, key.size(), name);
        }
    }
    return text;
}

std::optional<InboxBatch> take_batch(pqxx::work& txn, const Table& table, const InboxTake& take)
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
        sql("WITH head AS (SELECT h.bucket, h.{id}, h.attempts FROM {inbox} h WHERE " +
                for_alias(eligible, "h") +
                " ORDER BY h.next_attempt_at, h.first_received_at, h.{id} LIMIT 1) "
                "SELECT i.bucket, i.{id}, i.times_received, "
                "EXTRACT(EPOCH FROM clock_timestamp() - i.first_received_at)::float8 "
                "FROM {inbox} i JOIN head USING (bucket) WHERE (" +
                for_alias(eligible, "i") +
                ") AND (i.{id} = head.{id} OR (head.attempts = 0 AND i.attempts = 0)) "
                "ORDER BY i.next_attempt_at, i.first_received_at, i.{id} LIMIT $1",
            table),
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

void remove_batch(pqxx::work& txn, const Table& table, const InboxBatch& batch)
{
    txn.exec_params(sql("DELETE FROM {inbox} i USING unnest(string_to_array($2, ','), "
                        "string_to_array($3, ',')::bigint[]) AS taken({id}, times_received) "
                        "WHERE i.bucket = $1 AND i.{id} = taken.{id} "
                        "AND i.times_received = taken.times_received",
                        table),
                    batch.bucket, joined(batch.job_ids), joined(batch.times_received));
    // Written out after all (a later callback of an id given up on before).
    txn.exec_params(sql("DELETE FROM {dropped} WHERE bucket = $1 "
                        "AND {id} = ANY(string_to_array($2, ','))",
                        table),
                    batch.bucket, joined(batch.job_ids));
    touch_activity(txn, "last_drained_at");
}

FailedAttempt record_batch_failure(pqxx::work& txn, const Table& table, const InboxBatch& batch,
                                   const std::string& error, const RetryPolicy& policy)
{
    FailedAttempt outcome;
    const pqxx::result bumped = txn.exec_params(
        sql("UPDATE {inbox} SET attempts = attempts + 1, last_attempt_at = clock_timestamp(), "
            "last_error = $3, next_attempt_at = clock_timestamp() + "
            "make_interval(secs => least($4::float8 * power(2, least(attempts, 30)), $5::float8)) "
            "WHERE bucket = $1 AND {id} = ANY(string_to_array($2, ',')) "
            "RETURNING attempts, EXTRACT(EPOCH FROM next_attempt_at - clock_timestamp())::float8",
            table),
        batch.bucket, joined(batch.job_ids), error, policy.first_delay_seconds,
        policy.max_delay_seconds);
    for (const pqxx::row& row : bumped) {
        outcome.attempts = std::max(outcome.attempts, row[0].as<int>());
        outcome.retry_in_seconds = std::max(outcome.retry_in_seconds, row[1].as<double>());
    }
    const pqxx::result dropped = txn.exec_params(
        sql("WITH gone AS (DELETE FROM {inbox} WHERE bucket = $1 "
            "AND {id} = ANY(string_to_array($2, ',')) AND attempts >= $3 RETURNING *) "
            "INSERT INTO {dropped} (bucket, {id}, first_received_at, last_received_at, "
            "{carried}times_received, attempts, last_error, dropped_at) "
            "SELECT bucket, {id}, first_received_at, last_received_at, {carried}"
            "times_received, attempts, last_error, clock_timestamp() FROM gone "
            "ON CONFLICT (bucket, {id}) DO UPDATE SET first_received_at = "
            "EXCLUDED.first_received_at, last_received_at = EXCLUDED.last_received_at, " +
                std::string(table.carried[0] == '\0'
                                ? ""
                                : "via = EXCLUDED.via, event_name = EXCLUDED.event_name, ") +
                "times_received = EXCLUDED.times_received, attempts = EXCLUDED.attempts, "
                "last_error = EXCLUDED.last_error, dropped_at = EXCLUDED.dropped_at "
                "RETURNING {id}",
            table),
        batch.bucket, joined(batch.job_ids), policy.max_attempts);
    for (const pqxx::row& row : dropped) {
        outcome.dropped_ids.push_back(row[0].as<std::string>());
    }
    std::sort(outcome.dropped_ids.begin(), outcome.dropped_ids.end());
    return outcome;
}

InboxBatch as_batch(const InboxRun& run)
{
    return {run.bucket, {run.run_id}, {run.times_received}, run.age_seconds};
}

} // namespace

void record(pqxx::work& txn, const std::string& bucket, const std::vector<std::string>& job_ids,
            std::string_view via, std::string_view event_name)
{
    if (!job_ids.empty()) {
        txn.exec_params(
            "INSERT INTO inbox (bucket, job_id, via, event_name) "
            "SELECT DISTINCT $1, id, $3, $4 FROM unnest(string_to_array($2, ',')) AS id "
            "ON CONFLICT (bucket, job_id) DO UPDATE SET last_received_at = clock_timestamp(), "
            "times_received = inbox.times_received + 1, via = EXCLUDED.via, "
            "event_name = EXCLUDED.event_name",
            bucket, joined(job_ids), std::string(via), std::string(event_name));
    }
    touch_activity(txn, "last_push_at");
}

void record_run(pqxx::work& txn, const std::string& bucket, const std::string& run_id)
{
    txn.exec_params("INSERT INTO inbox_runs (bucket, run_id) VALUES ($1, $2) "
                    "ON CONFLICT (bucket, run_id) DO UPDATE SET last_received_at = "
                    "clock_timestamp(), times_received = inbox_runs.times_received + 1",
                    bucket, run_id);
    touch_activity(txn, "last_push_at");
}

std::optional<InboxBatch> next_batch(pqxx::work& txn, const InboxTake& take)
{
    return take_batch(txn, kJobs, take);
}

std::optional<InboxRun> next_run(pqxx::work& txn, const InboxTake& take)
{
    InboxTake one = take;
    one.limit = 1;
    const std::optional<InboxBatch> taken = take_batch(txn, kRuns, one);
    if (!taken) {
        return std::nullopt;
    }
    return InboxRun{taken->bucket, taken->job_ids.front(), taken->times_received.front(),
                    taken->oldest_age_seconds};
}

std::string database_now(pqxx::work& txn)
{
    return txn.exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
}

void remove(pqxx::work& txn, const InboxBatch& batch)
{
    remove_batch(txn, kJobs, batch);
}

void remove_run(pqxx::work& txn, const InboxRun& run)
{
    remove_batch(txn, kRuns, as_batch(run));
}

FailedAttempt record_failure(pqxx::work& txn, const InboxBatch& batch, const std::string& error,
                             const RetryPolicy& policy)
{
    return record_batch_failure(txn, kJobs, batch, error, policy);
}

FailedAttempt record_run_failure(pqxx::work& txn, const InboxRun& run, const std::string& error,
                                 const RetryPolicy& policy)
{
    return record_batch_failure(txn, kRuns, as_batch(run), error, policy);
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
    // Nor one not yet migrated to 0018 inbox_runs.
    if (txn.exec1("SELECT to_regclass('inbox_runs') IS NOT NULL")[0].as<bool>()) {
        const pqxx::row runs = txn.exec1("SELECT (SELECT count(*) FROM inbox_runs), "
                                         "(SELECT count(*) FROM inbox_runs_dropped)");
        result.runs_depth = runs[0].as<long long>();
        result.runs_dropped = runs[1].as<long long>();
    }
    return result;
}

} // namespace jobsync::inbox_store
