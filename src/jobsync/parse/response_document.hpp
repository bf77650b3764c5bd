// The <Response> document every CI listing body is: parsed without
// modifying the body, with the errors each kind of damage earns.
#pragma once

#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace jobsync {

// RetryableError "malformed XML in <endpoint> response at byte N: what".
[[noreturn]] void throw_malformed(std::string_view endpoint, std::size_t offset,
                                  const std::string& what);

// Parses body into doc and returns its <Response> element. Throws
// RetryableError when the body is not well-formed XML (a truncated transfer
// looks like that: a NUL byte, no root, two roots, a parse error),
// PartitionError when the root is not <Response> or the body is over the
// limits of xml_limits.hpp. endpoint names the request in messages ("/jobs").
const xml::Node* parse_response(std::string_view endpoint, const std::string& body,
                                xml::Document& doc);

// The service sends one empty element (<JobsDetail/>) when nothing matches:
// no child carries any text or element. Anything with content is a record.
bool is_placeholder(const xml::Node* item);

// The number of parent's children called name.
std::size_t count_children(const xml::Node* parent, std::string_view name);

} // namespace jobsync
