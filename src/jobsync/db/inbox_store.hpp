// The inbox table: job ids announced by callbacks, recorded before the
// callback is acknowledged and deleted in the transaction that writes the jobs.
#pragma once

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// Ids of one bucket as taken from the inbox, with what deleting them needs.
struct InboxBatch {
    std::string bucket;
    std::vector<std::string> job_ids;
    // times_received of each id when taken: a callback arriving meanwhile
    // bumps it, so its row survives the batch's delete and is fetched again.
    std::vector<long long> times_received;
    double oldest_age_seconds = 0; // now() - the oldest first_received_at
};

namespace inbox_store {

// Upserts the ids of one bucket (a repeat bumps last_received_at and
// times_received) and the newest push time. Ids must be letters, digits, '-'
// and '_' (the callback parser checks), as the statement joins them with ','.
void record(pqxx::work& txn, const std::string& bucket, const std::vector<std::string>& job_ids,
            std::string_view via, std::string_view event_name);

// Up to `limit` ids of the bucket holding the oldest entry, oldest first;
// nullopt when the inbox is empty.
std::optional<InboxBatch> oldest_batch(pqxx::work& txn, std::size_t limit);

// Deletes the batch's rows that no callback touched since it was taken, and
// records the drain time.
void remove(pqxx::work& txn, const InboxBatch& batch);

struct InboxActivity {
    long long depth = 0;
    std::optional<double> last_push_age_seconds; // since the newest acknowledged callback
    std::optional<double> oldest_age_seconds;    // of the oldest row waiting
};
InboxActivity activity(pqxx::transaction_base& txn);

} // namespace inbox_store
} // namespace jobsync
