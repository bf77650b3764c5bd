#include "jobsync/xml/xml_tree.hpp"

#include "jobsync/xml/xml_entities.hpp"

namespace jobsync::xml {

const Node* child(const Node* parent, std::string_view name)
{
    if (parent == nullptr) {
        return nullptr;
    }
    return parent->first_node(name.data(), name.size());
}

const Node* next_same(const Node* node)
{
    return node->next_sibling(node->name(), node->name_size());
}

std::string_view TextReader::text(const Node* node)
{
    if (node == nullptr) {
        return {};
    }
    if (node->value_size() == 0) {
        // RapidXML keeps a CDATA section as a child, not as the element value.
        // Its text is literal: no entities to decode.
        const Node* first = node->first_node();
        if (first != nullptr && first->type() == rapidxml::node_cdata) {
            return {first->value(), first->value_size()};
        }
    }
    const std::string_view value(node->value(), node->value_size());
    if (!has_entities(value)) {
        return value;
    }
    return decoded_.emplace_back(decode_entities(value));
}

OptText TextReader::child_text(const Node* parent, std::string_view name)
{
    const std::string_view value = text(child(parent, name));
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

const Node* first_child_element(const Node* node)
{
    for (const Node* n = node->first_node(); n != nullptr; n = n->next_sibling()) {
        if (n->type() == rapidxml::node_element) {
            return n;
        }
    }
    return nullptr;
}

std::size_t element_offset(const Node* node, const char* buffer)
{
    // The name follows the '<' directly: XML allows no space there.
    return static_cast<std::size_t>(node->name() - buffer) - 1;
}

} // namespace jobsync::xml
