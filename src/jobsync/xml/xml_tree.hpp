// Small read-only helpers over a RapidXML tree parsed without modifying its
// buffer: the parse itself, child lookups and element text.
#pragma once

#include "jobsync/parse/job_record.hpp"
#include "jobsync/xml/xml_limits.hpp"

#include <rapidxml.hpp>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace jobsync::xml {

using Node = rapidxml::xml_node<char>;
using Document = rapidxml::xml_document<char>;

// The buffer is never written to, so names and values are views into it and
// one buffer serves both the fields and the exact source text of elements
// (entities are decoded by TextReader, only where a field needs it). End tags
// must match their start tags: without that check a mismatched tag silently
// reshapes the tree.
constexpr int kParseFlags = rapidxml::parse_non_destructive | rapidxml::parse_validate_closing_tags;

// Parses text into doc with Flags (which must include parse_non_destructive:
// text is const). Every body the worker reads goes through here, so the
// limits are checked first (throws XmlLimitError, see xml_limits.hpp). Throws
// rapidxml::parse_error; RapidXML stops at a NUL byte.
template <int Flags = kParseFlags> void parse(Document& doc, const std::string& text)
{
    static_assert((Flags & rapidxml::parse_non_destructive) == rapidxml::parse_non_destructive);
    check_limits(text);
    // RapidXML takes char*, but with these flags it only reads; c_str() ends
    // in the NUL it needs.
    doc.parse<Flags>(const_cast<char*>(text.c_str()));
}

inline std::string_view name_of(const Node* node)
{
    return {node->name(), node->name_size()};
}

// First child element called name; nullptr when parent is null or has none.
const Node* child(const Node* parent, std::string_view name);

// The next sibling element with the same name as node.
const Node* next_same(const Node* node);

// Element text from a tree parsed with kParseFlags. Text is a view into the
// parsed buffer; the rare value holding an entity reference ("&amp;") is
// decoded into `decoded`, whose strings stay put as it grows or is moved, so
// no field costs an allocation in the common case.
class TextReader {
public:
    explicit TextReader(std::deque<std::string>& decoded) : decoded_(decoded) {}

    // The element's text (its first text or CDATA section); "" for a null or
    // empty element. Throws rapidxml::parse_error for a bad numeric reference.
    std::string_view text(const Node* node);

    // The text of parent's first child called name; nullopt when absent or empty.
    OptText child_text(const Node* parent, std::string_view name);

private:
    std::deque<std::string>& decoded_;
};

// The first child that is an element (skipping text); nullptr when none.
const Node* first_child_element(const Node* node);

// True when node has at least one child element (not just text).
inline bool has_child_elements(const Node* node)
{
    return first_child_element(node) != nullptr;
}

// Offset of the element's '<' in the buffer it was parsed from.
std::size_t element_offset(const Node* node, const char* buffer);

} // namespace jobsync::xml
