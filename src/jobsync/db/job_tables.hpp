// The relational layout of a job: every table it lands in, its columns and
// key, and how a JobRecord becomes that table's rows. Shared by the job
// store (set-based statements) and the benchmark tools (per-row statements,
// COPY), so the three cannot disagree about a column.
#pragma once

#include "jobsync/db/sql_params.hpp"
#include "jobsync/parse/job_record.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

struct TableColumn {
    std::string name;
    std::string_view cast; // appended to the parameter, e.g. "::int"; "" for text
};

// What a job's rows need besides the record itself.
struct JobRowContext {
    const JobRecord& job;
    std::string_view bucket;
    std::string_view hash_literal; // "\x<hex>" of detail_hash, for a ::bytea parameter
};

struct TableShape {
    std::string name;
    std::vector<TableColumn> columns;
    std::vector<std::string> key; // primary key columns
    // Appends the job's rows in this table, whole rows in column order.
    void (*add_rows)(SqlParams&, const JobRowContext&);
};

// The jobs table (one row per job), then its child tables (replaced as a
// whole when the job changes).
const TableShape& jobs_table();
const std::vector<TableShape>& child_tables();

} // namespace jobsync
