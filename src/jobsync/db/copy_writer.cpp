#include "jobsync/db/copy_writer.hpp"

#include <pqxx/tablewriter>

#include <cstdint>
#include <cstring>

namespace jobsync {
namespace {

// COPY's text format escapes only these; everything else goes as it is.
const char* copy_escape(char c)
{
    switch (c) {
    case '\\':
        return "\\\\";
    case '\t':
        return "\\t";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    default:
        return nullptr;
    }
}

// The bytes of `word` that may need an escape (below '\r' + 1, or a
// backslash), as their high bits: the bit tricks of "determine if a word has
// a byte less than n". Exact up to the first such byte, which is all we use.
std::uint64_t escape_candidates(std::uint64_t word)
{
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const std::uint64_t control = (word - kOnes * ('\r' + 1)) & ~word & kHighs;
    const std::uint64_t backslashes = word ^ (kOnes * '\\');
    const std::uint64_t backslash = (backslashes - kOnes) & ~backslashes & kHighs;
    return control | backslash;
}

// Appends the value in runs between the characters to escape, finding them
// 8 bytes at a time: a per-byte append was a fifth of the worker's CPU in a
// first sync (the detail XML is most of the bytes).
void append_copy_value(std::string& data, const SqlValue& value)
{
    if (!value) {
        data += "\\N";
        return;
    }
    constexpr bool kWordScan = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
    const std::string_view text = *value;
    std::size_t run_start = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (kWordScan && i + 8 <= text.size()) {
            std::uint64_t word = 0;
            std::memcpy(&word, text.data() + i, sizeof word);
            const std::uint64_t candidates = escape_candidates(word);
            if (candidates == 0) {
                i += 8;
                continue;
            }
            i += static_cast<std::size_t>(__builtin_ctzll(candidates)) / 8; // the first one
        }
        if (const char* escaped = copy_escape(text[i])) {
            data.append(text.data() + run_start, i - run_start);
            data += escaped;
            run_start = i + 1;
        }
        ++i;
    }
    data.append(text.data() + run_start, text.size() - run_start);
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
