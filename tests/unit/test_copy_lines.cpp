// The COPY text of a row: every escaped character found wherever it sits in
// a value (the writer skips 8 bytes at a time where none is).
#include "jobsync/db/copy_writer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

// The escaping as COPY's text format defines it, one byte at a time.
std::string reference_escape(const std::string& value)
{
    std::string out;
    for (const char c : value) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            out += c;
        }
    }
    return out;
}

jobsync::TableShape two_columns()
{
    jobsync::TableShape shape;
    shape.name = "t";
    shape.columns.resize(2);
    return shape;
}

} // namespace

TEST_CASE("copy lines: each escaped character at every offset of values up to 40 bytes")
{
    const jobsync::TableShape shape = two_columns();
    // Bytes near the ones escaped (\x0b, \x0e, ']', 0x80+) must pass as they are.
    for (const char special : {'\\', '\t', '\n', '\r', '\x0b', '\x0e', ']', '\xc3'}) {
        for (std::size_t length = 1; length <= 40; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                std::string value(length, 'x');
                value[at] = special;
                if (at + 3 < length) {
                    value[at + 3] = '\n'; // two escapes within one 8-byte word
                }
                jobsync::SqlParams params;
                params.add(value);
                params.add_null();
                std::string data;
                jobsync::append_copy_lines(data, shape, params);
                INFO("special " << int(special) << " at " << at << " of " << length);
                REQUIRE(data == reference_escape(value) + "\t\\N");
            }
        }
    }
}

TEST_CASE("copy lines: rows are separated by newlines, NULL is \\N, empty text is empty")
{
    const jobsync::TableShape shape = two_columns();
    jobsync::SqlParams params;
    params.add("a\\b");
    params.add("");
    params.add_null();
    params.add("tab\there, 0123456789 and a long tail without escapes");
    std::string data;
    jobsync::append_copy_lines(data, shape, params);
    CHECK(data == "a\\\\b\t\n\\N\ttab\\there, 0123456789 and a long tail without escapes");
}
