// Small read-only helpers over a RapidXML tree parsed in place, plus the raw
// byte scan that recovers an element's exact source text.
#pragma once

#include "jobsync/job_record.hpp"

#include <rapidxml.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace jobsync::xml {

using Node = rapidxml::xml_node<char>;
using Document = rapidxml::xml_document<char>;

// A heap-allocated document (it embeds a 64 KiB pool: keep it off thread
// stacks) whose node pool blocks are recycled within the thread.
std::unique_ptr<Document> new_document();

inline std::string_view name_of(const Node* node)
{
    return {node->name(), node->name_size()};
}

// First child element called name; nullptr when parent is null or has none.
const Node* child(const Node* parent, std::string_view name);

// The next sibling element with the same name as node.
const Node* next_same(const Node* node);

// The element's text (entities decoded); "" for a null or empty element.
std::string_view text(const Node* node);

// The text of parent's first child called name; nullopt when absent or empty.
OptText child_text(const Node* parent, std::string_view name);

// The first child that is an element (skipping text); nullptr when none.
const Node* first_child_element(const Node* node);

// True when node has at least one child element (not just text).
inline bool has_child_elements(const Node* node)
{
    return first_child_element(node) != nullptr;
}

// Offset of the element's '<' in the buffer it was parsed from. In-place
// parsing leaves names where they were, so this is also its offset in a
// byte-identical copy of the input.
std::size_t element_offset(const Node* node, const char* buffer);

// The raw text of the element whose start tag begins at raw[start], up to and
// including its matching end tag (or the whole tag when it self-closes).
// nullopt when raw[start] is not such a tag or the end is missing.
std::optional<std::string_view> element_source(std::string_view raw, std::size_t start);

} // namespace jobsync::xml
