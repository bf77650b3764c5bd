// Writing new jobs with COPY: the first-load fast path of the job store, and
// the rows' COPY text, shared with the benchmark's bare-COPY ceiling.
#pragma once

#include "jobsync/db/job_tables.hpp"
#include "jobsync/db/sql_params.hpp"
#include "jobsync/parse/job_record.hpp"

#include <pqxx/pqxx>

#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// A job new to the database, with its detail_hash as a bytea literal.
struct NewJobRow {
    const JobRecord* job;
    std::string_view hash_literal;
};

// Appends the rows of params (whole rows of shape, in column order) to data
// as COPY text lines: tab-separated, \N for NULL, backslash, tab, newline and
// carriage return escaped, a newline between lines (none after the last).
void append_copy_lines(std::string& data, const TableShape& shape, const SqlParams& params);

// Sends data (lines from append_copy_lines, not empty) to shape's
// table with one COPY ... FROM STDIN in txn. A refused row raises the same
// pqxx::sql_error (SQLSTATE) its INSERT would, e.g. pqxx::unique_violation.
void copy_lines(pqxx::transaction_base& txn, const TableShape& shape, const std::string& data);

class CopyWriter {
public:
    // Inserts rows and their children into the tables with one COPY per
    // table. For jobs none of which is stored: a job inserted meanwhile by
    // another writer makes it throw pqxx::unique_violation, and txn must be
    // rolled back to a savepoint before it is used again.
    void insert_new_jobs(pqxx::transaction_base& txn, std::string_view bucket,
                         const std::vector<NewJobRow>& rows);

private:
    // Reused table after table, page after page, as the upsert's parameters are.
    SqlParams params_;
    std::string data_;
};

} // namespace jobsync
