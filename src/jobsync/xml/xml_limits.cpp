#include "jobsync/xml/xml_limits.hpp"

#include <string>

namespace jobsync::xml {

namespace {

constexpr auto npos = std::string_view::npos;

bool starts_with(std::string_view text, std::size_t pos, std::string_view prefix)
{
    return text.compare(pos, prefix.size(), prefix) == 0;
}

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Just past close, searched from pos; npos when missing.
std::size_t past(std::string_view text, std::size_t pos, std::string_view close)
{
    const std::size_t at = text.find(close, pos);
    return at == npos ? npos : at + close.size();
}

// Just past the '>' of a DOCTYPE whose name starts at pos: RapidXML skips
// bracketed internal subsets by counting '[' and ']', ignoring quotes.
std::size_t past_doctype(std::string_view text, std::size_t pos)
{
    int brackets = 0;
    for (; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '[') {
            ++brackets;
        } else if (c == ']' && brackets > 0) {
            --brackets;
        } else if (c == '>' && brackets == 0) {
            return pos + 1;
        }
    }
    return npos;
}

// A start tag at text[pos] ('<' then a name): its attributes and whether it
// closes itself. end is just past its '>', npos when missing.
struct StartTag {
    std::size_t end = npos;
    std::size_t attributes = 0;
    bool self_closing = false;
};

StartTag scan_start_tag(std::string_view text, std::size_t pos)
{
    StartTag tag;
    char quote = 0;
    for (std::size_t i = pos + 1; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '=') {
            ++tag.attributes;
        } else if (c == '>') {
            tag.end = i + 1;
            tag.self_closing = text[i - 1] == '/';
            return tag;
        }
    }
    return tag;
}

[[noreturn]] void too_deep(std::size_t offset)
{
    throw XmlLimitError("XML response too deep: elements nest more than " +
                        std::to_string(kMaxDepth) + " levels (at byte " + std::to_string(offset) +
                        ")");
}

[[noreturn]] void too_large(std::size_t offset)
{
    throw XmlLimitError("XML response too large: more than " + std::to_string(kMaxNodes) +
                        " elements and attributes (at byte " + std::to_string(offset) + ")");
}

[[noreturn]] void too_many_attributes(std::size_t offset)
{
    throw XmlLimitError("XML response has an element with more than " +
                        std::to_string(kMaxAttributesPerElement) + " attributes (at byte " +
                        std::to_string(offset) + ")");
}

} // namespace

void check_limits(std::string_view text)
{
    std::size_t depth = 0;
    std::size_t nodes = 0;
    std::size_t pos = text.find('<');
    while (pos != npos && pos + 1 < text.size()) {
        std::size_t next = npos;
        // Dispatched on the byte after '<': most are tags, and comparing each
        // prefix in turn cost a memcmp apiece on every tag of a page.
        const char kind = text[pos + 1];
        if (kind == '?') {
            next = past(text, pos + 2, "?>");
        } else if (kind == '!') {
            if (starts_with(text, pos, "<!--")) {
                next = past(text, pos + 4, "-->");
            } else if (starts_with(text, pos, "<![CDATA[")) {
                next = past(text, pos + 9, "]]>");
            } else if (starts_with(text, pos, "<!DOCTYPE") && pos + 9 < text.size() &&
                       is_space(text[pos + 9])) {
                next = past_doctype(text, pos + 10);
            } else {
                next = past(text, pos + 2, ">");
            }
        } else if (kind == '/') {
            depth -= depth > 0 ? 1 : 0;
            next = past(text, pos + 2, ">");
        } else {
            const StartTag tag = scan_start_tag(text, pos);
            nodes += 1 + tag.attributes;
            if (nodes > kMaxNodes) {
                too_large(pos);
            }
            if (tag.attributes > kMaxAttributesPerElement) {
                too_many_attributes(pos);
            }
            if (!tag.self_closing && ++depth > kMaxDepth) {
                too_deep(pos);
            }
            next = tag.end;
        }
        pos = next == npos ? npos : text.find('<', next);
    }
}

} // namespace jobsync::xml
