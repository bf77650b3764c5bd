#include "jobsync/db/inbox_store.hpp"

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

std::optional<InboxBatch> oldest_batch(pqxx::work& txn, std::size_t limit)
{
    const pqxx::result rows = txn.exec_params(
        "WITH head AS (SELECT bucket FROM inbox ORDER BY first_received_at LIMIT 1) "
        "SELECT i.bucket, i.job_id, i.times_received, "
        "EXTRACT(EPOCH FROM clock_timestamp() - i.first_received_at)::float8 "
        "FROM inbox i JOIN head USING (bucket) ORDER BY i.first_received_at, i.job_id LIMIT $1",
        static_cast<long>(limit));
    if (rows.empty()) {
        return std::nullopt;
    }
    InboxBatch batch;
    batch.bucket = rows[0][0].as<std::string>();
    batch.oldest_age_seconds = rows[0][3].as<double>();
    for (const pqxx::row& row : rows) {
        batch.job_ids.push_back(row[1].as<std::string>());
        batch.times_received.push_back(row[2].as<long long>());
    }
    return batch;
}

void remove(pqxx::work& txn, const InboxBatch& batch)
{
    txn.exec_params("DELETE FROM inbox i USING unnest(string_to_array($2, ','), "
                    "string_to_array($3, ',')::bigint[]) AS taken(job_id, times_received) "
                    "WHERE i.bucket = $1 AND i.job_id = taken.job_id "
                    "AND i.times_received = taken.times_received",
                    batch.bucket, joined(batch.job_ids), joined(batch.times_received));
    touch_activity(txn, "last_drained_at");
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
    return result;
}

} // namespace jobsync::inbox_store
