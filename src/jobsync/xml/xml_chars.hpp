// Characters PostgreSQL refuses: invalid UTF-8 in any text column, and in the
// xml column also characters and references XML 1.0 does not allow.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jobsync::xml {

// text with each invalid UTF-8 byte and each character XML does not allow
// (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF) replaced
// by U+FFFD, and cut to at most max_bytes (then ending in "..."): a value
// that can be shown in a message, a log line or a text column.
std::string printable(std::string_view text, std::size_t max_bytes);

// An element's source text repaired for the xml column type.
struct XmlRepair {
    std::string text;
    std::size_t replaced = 0; // characters and references replaced
};

// nullopt when source can be stored as xml as it is. Otherwise a copy where
// invalid UTF-8 and disallowed characters become U+FFFD, a character
// reference to a disallowed character ("&#7;", "&#xD800;") becomes U+FFFD,
// and a '&' that starts no predefined entity or character reference (an
// undefined entity such as "&lol9;", which RapidXML never expands) becomes
// "&amp;". CDATA sections and comments keep their '&'.
std::optional<XmlRepair> repair_for_xml_column(std::string_view source);

} // namespace jobsync::xml
