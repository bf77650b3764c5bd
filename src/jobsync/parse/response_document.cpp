#include "jobsync/parse/response_document.hpp"

#include "jobsync/core/errors.hpp"

namespace jobsync {

void throw_malformed(std::string_view endpoint, std::size_t offset, const std::string& what)
{
    throw RetryableError("malformed XML in " + std::string(endpoint) + " response at byte " +
                         std::to_string(offset) + ": " + what);
}

const xml::Node* parse_response(std::string_view endpoint, const std::string& body,
                                xml::Document& doc)
{
    // RapidXML stops at a NUL, which would hide whatever follows it. This is
    // also what keeps NULs out of every field (SqlParams relies on it).
    const std::size_t nul = body.find('\0');
    if (nul != std::string::npos) {
        throw_malformed(endpoint, nul, "NUL byte");
    }
    try {
        xml::parse(doc, body);
    } catch (const rapidxml::parse_error& e) {
        throw_malformed(endpoint, static_cast<std::size_t>(e.where<char>() - body.data()),
                        e.what());
    }
    const xml::Node* root = xml::first_child_element(&doc);
    if (root == nullptr) {
        throw_malformed(endpoint, body.size(), "no root element");
    }
    for (const xml::Node* n = root->next_sibling(); n != nullptr; n = n->next_sibling()) {
        if (n->type() == rapidxml::node_element) {
            throw_malformed(endpoint, xml::element_offset(n, body.data()),
                            "more than one root element");
        }
    }
    if (xml::name_of(root) != "Response") {
        throw PartitionError("response root is <" + std::string(xml::name_of(root)) +
                             ">, expected <Response>");
    }
    return root;
}

bool is_placeholder(const xml::Node* item)
{
    for (const xml::Node* n = item->first_node(); n != nullptr; n = n->next_sibling()) {
        if (n->type() == rapidxml::node_element &&
            (n->value_size() > 0 || xml::has_child_elements(n))) {
            return false;
        }
    }
    return true;
}

std::size_t count_children(const xml::Node* parent, std::string_view name)
{
    std::size_t count = 0;
    for (const xml::Node* n = xml::child(parent, name); n != nullptr; n = xml::next_same(n)) {
        ++count;
    }
    return count;
}

} // namespace jobsync
