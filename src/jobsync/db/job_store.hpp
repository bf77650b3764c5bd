// Writing one page of jobs into the relational tables, set-based.
#pragma once

#include "jobsync/db/copy_writer.hpp"
#include "jobsync/db/job_tables.hpp"
#include "jobsync/domain/partition.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/parse/jobs_page.hpp"

#include <pqxx/pqxx>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobsync {

struct PageWriteResult {
    long inserted = 0;    // new job rows
    long updated = 0;     // existing rows whose content changed
    long unchanged = 0;   // same detail hash as stored: nothing sent to the server
    long refused = 0;     // a stored terminal state (Success/Failed/Cancel) kept over a
                          // non-terminal one
    long duplicates = 0;  // repeats of a job id within the page (last occurrence wins)
    long quarantined = 0; // refused by the database or the parser: in quarantine instead

    PageWriteResult& operator+=(const PageWriteResult& other);
};

// Bumped when the normaliser changes what it extracts, so stored jobs are
// re-normalised on the next walk even though their XML did not change.
inline constexpr int kNormaliserVersion = 1;

// SHA-1 (20 raw bytes) of kNormaliserVersion and the job's detail_xml bytes.
std::string detail_hash(const JobRecord& job);
// "\x<hex>" of a hash, as a bytea parameter or COPY text value.
std::string bytea_literal(const std::string& bytes);

// A job's stored version, as read before writing a page: its detail_hash
// ('' when vanished, so it reads as changed) and state.
struct StoredJob {
    std::string hash;
    std::optional<std::string> state;
};
using StoredJobs = std::unordered_map<std::string, StoredJob>; // by job id

// Statements are prepared on whichever connection txn uses; their texts are
// built once per process.
class JobStore {
public:
    // Upserts the jobs of a page of partition inside txn (the caller
    // commits, together with the checkpoint). Per table one prepared
    // multi-row statement: jobs are deduplicated by job_id first, unchanged
    // ones skipped by hash (never sent), and the children of changed jobs
    // replaced. A page none of whose jobs is stored yet (a first load, a
    // backfill) goes by COPY instead, and by the upsert after all when
    // another writer inserted one of them meanwhile. When PostgreSQL refuses a value (a data error:
    // SQLSTATE class 22 or 54) the page is written again job by job, each in a savepoint (SQL
    // savepoints: libpqxx 6.4's subtransaction opens its savepoint only at the first plain exec(),
    // so exec_prepared failing in it aborts txn), and a job that still fails goes to quarantine, as
    // do the rejected ones: one bad job never blocks the page. Jobs stored leave quarantine.
    PageWriteResult write_page(pqxx::work& txn, const Partition& partition,
                               const std::vector<JobRecord>& jobs,
                               const std::vector<RejectedJob>& rejected);

private:
    struct Statement {
        std::string name;
        std::string sql;
    };

    // Stores jobs (unique ids) in txn and adds what happened to result.
    // savepoint was set just before: a COPY that meets a job inserted
    // meanwhile rolls back to it and upserts instead.
    void write_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                    const std::vector<const JobRecord*>& jobs, const std::string& savepoint,
                    PageWriteResult& result);
    // jobs, none of them stored, by COPY; throws pqxx::unique_violation when
    // one was inserted since.
    void copy_new_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                       const std::vector<const JobRecord*>& jobs, PageWriteResult& result);
    // jobs by the upsert, skipping those stored unchanged or terminal.
    void upsert_jobs(pqxx::transaction_base& txn, const std::string& bucket,
                     const std::vector<const JobRecord*>& jobs, const StoredJobs& stored,
                     PageWriteResult& result);
    // The fallback: each job in its own savepoint, quarantined if it fails.
    void write_job_by_job(pqxx::work& txn, const Partition& partition,
                          std::vector<const JobRecord*> jobs, PageWriteResult& result);

    // The prepared statement for `rows` (padded) rows of shape.
    static const Statement& statement(const TableShape& shape, std::size_t rows);
    // Runs the INSERT of shape over params (whole rows) in padded batches.
    // params is padded in place.
    std::vector<pqxx::result> insert_rows(pqxx::transaction_base& txn, const TableShape& shape,
                                          SqlParams& params);
    void replace_children(pqxx::transaction_base& txn, const std::string& bucket,
                          const std::vector<const JobRecord*>& changed,
                          const std::vector<std::string>& replaced);

    // Reused table after table, page after page: a page's parameters run to
    // a few hundred KB, and allocating them afresh each time meant new
    // mappings and page faults.
    SqlParams params_;
    CopyWriter copy_writer_;
};

} // namespace jobsync
