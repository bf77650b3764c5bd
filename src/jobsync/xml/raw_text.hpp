// The exact source text of an element, recovered from the raw bytes it was
// parsed from (so detail keeps what the service sent, byte for byte).
#pragma once

#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace jobsync::xml {

// The raw text of element node, parsed from raw with kParseFlags: from its
// '<' up to and including its end tag (or the whole tag when it self-closes).
// nullopt when that cannot be found, which means a bug: RapidXML checked it.
std::optional<std::string_view> element_source(std::string_view raw, const Node* node);

// The same found by scanning raw from the element's '<' at raw[start] (no
// tree needed), counting nested elements of the same name; nullopt when
// raw[start] is not a start tag or the end is missing.
std::optional<std::string_view> scan_element_source(std::string_view raw, std::size_t start);

} // namespace jobsync::xml
