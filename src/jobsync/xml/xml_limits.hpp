// Limits checked on every XML body before RapidXML sees it: its parser
// recurses once per nesting level (a deep body overflows the stack) and
// allocates a node per element, attribute and text run (a flooded body
// costs many times its size in memory).
#pragma once

#include "jobsync/core/errors.hpp"

#include <cstddef>
#include <string_view>

namespace jobsync::xml {

// Deeper than any real response (a JobsDetail is about 6 levels deep).
inline constexpr std::size_t kMaxDepth = 256;

// Elements plus attributes: a 100-job page of the richest jobs seen holds
// about 11,000 (110 a job; the emulator's jobs average 70), so this leaves
// room for jobs eighteen times richer. RapidXML adds at most two text nodes
// per element (96 bytes a node), so one parse holds at most about 600,000
// nodes, some 60 MiB, whatever the body's shape.
inline constexpr std::size_t kMaxNodes = 200'000;

// Attributes on one element. CI's responses carry none; PostgreSQL's xml
// input check is quadratic in them (199,000 on one element took minutes a
// row), so a job's detail cannot be made to stall the page's statement.
inline constexpr std::size_t kMaxAttributesPerElement = 1'000;

// A body over a limit: no retry helps, the partition stops with this message.
class XmlLimitError : public PartitionError {
public:
    using PartitionError::PartitionError;
};

// Throws XmlLimitError when text nests elements deeper than kMaxDepth or
// holds more than kMaxNodes elements and attributes (or an element more than
// kMaxAttributesPerElement attributes), naming the limit and the
// byte where it was passed. Scans text without recursion and structures it
// as RapidXML does (comments, CDATA, processing instructions and DOCTYPE
// hide what looks like tags inside them; quoted attribute values may hold
// '<' and '>'). Malformed text is left for RapidXML to report.
void check_limits(std::string_view text);

} // namespace jobsync::xml
