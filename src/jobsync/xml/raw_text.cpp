#include "jobsync/xml/raw_text.hpp"

namespace jobsync::xml {

namespace {

constexpr auto npos = std::string_view::npos;

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool ends_name(char c)
{
    return is_space(c) || c == '>' || c == '/';
}

// True when raw holds the tag name `name` at `at`, followed by a delimiter.
bool name_at(std::string_view raw, std::size_t at, std::string_view name)
{
    return raw.compare(at, name.size(), name) == 0 && at + name.size() < raw.size() &&
           ends_name(raw[at + name.size()]);
}

// Just past the '>' of the tag starting at raw[pos]. Quoted attribute values
// may hold '>' (and RapidXML lets '<' through there too), so skip them.
std::size_t tag_end(std::string_view raw, std::size_t pos)
{
    char quote = 0;
    for (std::size_t i = pos + 1; i < raw.size(); ++i) {
        const char c = raw[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return npos;
}

// Just past the terminator when raw[pos] opens a comment, CDATA section or
// processing instruction (their text may look like tags); 0 when it opens none.
std::size_t skip_special(std::string_view raw, std::size_t pos)
{
    struct Special {
        std::string_view open, close;
    };
    static constexpr Special kSpecials[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (const Special& s : kSpecials) {
        if (raw.compare(pos, s.open.size(), s.open) == 0) {
            const std::size_t end = raw.find(s.close, pos + s.open.size());
            return end == npos ? npos : end + s.close.size();
        }
    }
    return 0;
}

// Just past whitespace, comments and processing instructions from raw[pos]:
// what RapidXML lets stand between an element's last child and its end tag
// without making a node of it. npos stays npos.
std::size_t skip_misc(std::string_view raw, std::size_t pos)
{
    while (pos < raw.size()) {
        if (is_space(raw[pos])) {
            ++pos;
        } else if (raw.compare(pos, 4, "<!--") == 0 || raw.compare(pos, 2, "<?") == 0) {
            pos = skip_special(raw, pos);
        } else {
            break;
        }
    }
    return pos;
}

// Just past the end tag of `name` at raw[pos] ("</name", optional whitespace,
// '>'); npos when there is none.
std::size_t end_tag_end(std::string_view raw, std::size_t pos, std::string_view name)
{
    if (pos >= raw.size() || raw.compare(pos, 2, "</") != 0 || !name_at(raw, pos + 2, name)) {
        return npos;
    }
    pos += 2 + name.size();
    while (pos < raw.size() && is_space(raw[pos])) {
        ++pos;
    }
    return pos < raw.size() && raw[pos] == '>' ? pos + 1 : npos;
}

std::size_t offset_in(std::string_view raw, const char* at)
{
    return static_cast<std::size_t>(at - raw.data());
}

// Just past the end of element node, from the tree: after its last child
// (an element, recursively; text; or CDATA) only what skip_misc skips can
// precede its end tag. npos when something else does (a DOCTYPE or another
// <!...> that RapidXML skips), for the caller to scan instead.
std::size_t element_end(std::string_view raw, const Node* node)
{
    const Node* last = node->first_node() != nullptr ? node->last_node() : nullptr;
    std::size_t pos = npos;
    if (last == nullptr) {
        pos = tag_end(raw, element_offset(node, raw.data()));
        if (pos == npos || raw[pos - 2] == '/') {
            return pos; // <Name/> has no end tag
        }
    } else if (last->type() == rapidxml::node_element) {
        pos = element_end(raw, last);
    } else if (last->type() == rapidxml::node_data) {
        pos = offset_in(raw, last->value() + last->value_size());
    } else if (last->type() == rapidxml::node_cdata) {
        pos = offset_in(raw, last->value() + last->value_size()) + 3; // "]]>"
    }
    return end_tag_end(raw, skip_misc(raw, pos), name_of(node));
}

} // namespace

std::optional<std::string_view> element_source(std::string_view raw, const Node* node)
{
    const std::size_t start = element_offset(node, raw.data());
    const std::size_t end = element_end(raw, node);
    if (end == npos) {
        return scan_element_source(raw, start);
    }
    return raw.substr(start, end - start);
}

std::optional<std::string_view> scan_element_source(std::string_view raw, std::size_t start)
{
    if (start >= raw.size() || raw[start] != '<') {
        return std::nullopt;
    }
    std::size_t name_end = start + 1;
    while (name_end < raw.size() && !ends_name(raw[name_end])) {
        ++name_end;
    }
    const std::string_view name = raw.substr(start + 1, name_end - start - 1);
    if (name.empty()) {
        return std::nullopt;
    }
    // Count nested elements of the same name until the depth returns to 0.
    std::size_t depth = 0;
    for (std::size_t pos = start; pos != npos && pos < raw.size(); pos = raw.find('<', pos)) {
        std::size_t end = skip_special(raw, pos);
        if (end == 0 && raw.compare(pos, 2, "</") == 0) {
            end = raw.find('>', pos);
            if (end == npos) {
                return std::nullopt;
            }
            ++end;
            if (depth > 0 && name_at(raw, pos + 2, name) && --depth == 0) {
                return raw.substr(start, end - start);
            }
        } else if (end == 0) {
            end = tag_end(raw, pos);
            if (end == npos) {
                return std::nullopt;
            }
            if (name_at(raw, pos + 1, name)) {
                const bool self_closing = raw[end - 2] == '/';
                if (!self_closing) {
                    ++depth;
                } else if (depth == 0) {
                    return raw.substr(start, end - start);
                }
            }
        }
        if (end == npos) {
            return std::nullopt;
        }
        pos = end;
    }
    return std::nullopt;
}

} // namespace jobsync::xml
