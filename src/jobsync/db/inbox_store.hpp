// The inbox tables: job ids announced by callbacks (inbox) and the workflow
// runs of WorkflowFinish callbacks (inbox_runs), recorded before the callback
// is acknowledged and deleted in the transaction that writes the jobs or the
// run; failed fetches back off, and ids failing too often move to
// inbox_dropped (inbox_runs_dropped).
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
    double oldest_age_seconds = 0; // now() - the batch's oldest first_received_at
};

// One run of inbox_runs as taken, with what deleting it needs.
struct InboxRun {
    std::string bucket;
    std::string run_id;
    long long times_received = 0; // as for InboxBatch
    double age_seconds = 0;       // now() - its first_received_at
};

namespace inbox_store {

// Upserts the ids of one bucket (a repeat bumps last_received_at and
// times_received) and the newest push time. Ids must be letters, digits, '-'
// and '_' (the callback parser checks), as the statement joins them with ','.
void record(pqxx::work& txn, const std::string& bucket, const std::vector<std::string>& job_ids,
            std::string_view via, std::string_view event_name);

// Upserts a WorkflowFinish callback's run (a repeat bumps last_received_at
// and times_received), in the caller's transaction with its task job ids.
// The run id must be letters, digits, '-' and '_' (the callback parser checks).
void record_run(pqxx::work& txn, const std::string& bucket, const std::string& run_id);

// Which rows a batch may take.
struct InboxTake {
    std::size_t limit = 10;
    // nullopt (the listener): rows whose next_attempt_at has come. A pass of
    // `sync` (the database time it started): rows not attempted since, back-off
    // or not, so each row is tried at most once per pass.
    std::optional<std::string> pass_started;
};

// The ids of one bucket due first (by next_attempt_at): the head row alone
// when it failed before, else up to `limit` never-tried ids of its bucket;
// nullopt when none is due.
std::optional<InboxBatch> next_batch(pqxx::work& txn, const InboxTake& take);

// The run of inbox_runs due first (take.limit is ignored: one run per detail
// request); nullopt when none is due.
std::optional<InboxRun> next_run(pqxx::work& txn, const InboxTake& take);

// The database's clock, as a timestamptz literal (for InboxTake::pass_started).
std::string database_now(pqxx::work& txn);

// Deletes the batch's rows that no callback touched since it was taken (and
// any inbox_dropped rows of its ids), and records the drain time.
void remove(pqxx::work& txn, const InboxBatch& batch);
// The same for a run (and its inbox_runs_dropped row).
void remove_run(pqxx::work& txn, const InboxRun& run);

struct RetryPolicy {
    int max_attempts = 10;          // then the row moves to inbox_dropped
    double first_delay_seconds = 2; // doubled after each failure
    double max_delay_seconds = 300; // at most
};

struct FailedAttempt {
    int attempts = 0;                     // the batch's most, after this one
    double retry_in_seconds = 0;          // the longest back-off set
    std::vector<std::string> dropped_ids; // moved to inbox_dropped, sorted
};

// The batch's by-id request failed: counts an attempt on each of its rows,
// sets the next attempt after a back-off, and moves rows at max_attempts to
// inbox_dropped. `error` is stored (it names no secret).
FailedAttempt record_failure(pqxx::work& txn, const InboxBatch& batch, const std::string& error,
                             const RetryPolicy& policy);
// The same for a run whose detail request failed (inbox_runs_dropped).
FailedAttempt record_run_failure(pqxx::work& txn, const InboxRun& run, const std::string& error,
                                 const RetryPolicy& policy);

struct InboxActivity {
    long long depth = 0;
    std::optional<double> last_push_age_seconds; // since the newest acknowledged callback
    std::optional<double> oldest_age_seconds;    // of the oldest row waiting
    long long dropped = 0;                       // rows in inbox_dropped
    long long runs_depth = 0;                    // workflow runs waiting (inbox_runs)
    long long runs_dropped = 0;                  // rows in inbox_runs_dropped
};
InboxActivity activity(pqxx::transaction_base& txn);

} // namespace inbox_store
} // namespace jobsync
