#include "jobsync/db/copy_writer.hpp"

#include <pqxx/tablewriter>

namespace jobsync {
namespace {

void append_copy_value(std::string& data, const SqlValue& value)
{
    if (!value) {
        data += "\\N";
        return;
    }
    for (const char c : *value) {
        switch (c) {
        case '\\':
            data += "\\\\";
            break;
        case '\t':
            data += "\\t";
            break;
        case '\n':
            data += "\\n";
            break;
        case '\r':
            data += "\\r";
            break;
        default:
            data += c;
        }
    }
}

} // namespace

void append_copy_lines(std::string& data, const TableShape& shape, const SqlParams& params)
{
    const std::vector<SqlValue>& values = params.values();
    const std::size_t width = shape.columns.size();
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            data += i % width == 0 ? '\n' : '\t';
        } else if (!data.empty()) {
            data += '\n'; // after the lines of an earlier call
        }
        append_copy_value(data, values[i]);
    }
}

// libpqxx 6.4's stream_to takes only std::tuple rows and keeps write_raw_line
// private; tablewriter is deprecated but sends text as it is.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void copy_lines(pqxx::transaction_base& txn, const TableShape& shape, const std::string& data)
{
    std::vector<std::string> columns;
    for (const TableColumn& column : shape.columns) {
        columns.push_back(column.name);
    }
    pqxx::tablewriter writer(txn, shape.name, columns.begin(), columns.end());
    // All lines in one CopyData message (write_raw_line ends the last one):
    // libpq reads the server's answer only at the end, so a refused row comes
    // back as the statement's error with its SQLSTATE, never as a write
    // failing halfway.
    writer.write_raw_line(data);
    writer.complete();
}
#pragma GCC diagnostic pop

void CopyWriter::insert_new_jobs(pqxx::transaction_base& txn, std::string_view bucket,
                                 const std::vector<NewJobRow>& rows)
{
    if (rows.empty()) {
        return;
    }
    params_.clear();
    for (const NewJobRow& row : rows) {
        jobs_table().add_rows(params_, {*row.job, bucket, row.hash_literal});
    }
    data_.clear();
    append_copy_lines(data_, jobs_table(), params_);
    copy_lines(txn, jobs_table(), data_);
    for (const TableShape& table : child_tables()) {
        params_.clear();
        for (const NewJobRow& row : rows) {
            table.add_rows(params_, {*row.job, bucket, {}});
        }
        if (!params_.empty()) {
            data_.clear();
            append_copy_lines(data_, table, params_);
            copy_lines(txn, table, data_);
        }
    }
}

} // namespace jobsync
