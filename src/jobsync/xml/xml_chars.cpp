#include "jobsync/xml/xml_chars.hpp"

#include "jobsync/core/utf8.hpp"

namespace jobsync::xml {

namespace {

bool is_xml_char(unsigned long code)
{
    if (code < 0x20) {
        return code == 0x9 || code == 0xA || code == 0xD;
    }
    return !(code >= 0xD800 && code <= 0xDFFF) && code != 0xFFFE && code != 0xFFFF &&
           code <= 0x10FFFF;
}

// Appends text[pos...] one character at a time, replacing what XML refuses;
// counts replacements. Returns just past what was consumed.
std::size_t append_char(std::string& out, std::string_view text, std::size_t pos,
                        std::size_t& replaced)
{
    const Utf8Step c = next_utf8_step(text, pos);
    if (!c.valid || !is_xml_char(c.code_point)) {
        out += kReplacementCharacter;
        ++replaced;
        // An invalid byte is replaced on its own, not its maximal subpart.
        return pos + (c.valid ? c.length : 1);
    }
    out.append(text, pos, c.length);
    return pos + c.length;
}

bool is_digit(char c, bool hex)
{
    return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

enum class Reference { valid, disallowed_char, not_a_reference };

// What the '&' at text[pos] starts; length is the reference's, with ';'.
Reference reference_at(std::string_view text, std::size_t pos, std::size_t& length)
{
    static constexpr std::string_view kNamed[] = {"&lt;", "&gt;", "&amp;", "&apos;", "&quot;"};
    for (std::string_view named : kNamed) {
        if (text.compare(pos, named.size(), named) == 0) {
            length = named.size();
            return Reference::valid;
        }
    }
    if (text.compare(pos, 2, "&#") != 0) {
        return Reference::not_a_reference;
    }
    const bool hex = text.compare(pos, 3, "&#x") == 0;
    std::size_t end = pos + (hex ? 3 : 2);
    unsigned long code = 0;
    const std::size_t digits_start = end;
    while (end < text.size() && is_digit(text[end], hex) && end - digits_start < 8) {
        const char d = text[end];
        const unsigned long value = d <= '9' ? static_cast<unsigned long>(d - '0')
                                             : static_cast<unsigned long>((d | 0x20) - 'a' + 10);
        code = code * (hex ? 16 : 10) + value;
        ++end;
    }
    if (end == digits_start || end >= text.size() || text[end] != ';') {
        return Reference::not_a_reference;
    }
    length = end + 1 - pos;
    return is_xml_char(code) ? Reference::valid : Reference::disallowed_char;
}

// Just past close at or after pos in text, or text.size() when missing.
std::size_t section_end(std::string_view text, std::size_t pos, std::string_view close)
{
    const std::size_t at = text.find(close, pos);
    return at == std::string_view::npos ? text.size() : at + close.size();
}

bool needs_repair(std::string_view source)
{
    for (std::size_t pos = 0; pos < source.size();) {
        const unsigned char c = static_cast<unsigned char>(source[pos]);
        if ((c >= 0x20 && c < 0x80 && c != '&') || c == '\n' || c == '\t' || c == '\r') {
            ++pos;
            continue;
        }
        if (c == '&') {
            std::size_t length = 0;
            if (reference_at(source, pos, length) != Reference::valid) {
                return true; // maybe inside CDATA: the careful pass decides
            }
            pos += length;
            continue;
        }
        const Utf8Step d = next_utf8_step(source, pos);
        if (!d.valid || !is_xml_char(d.code_point)) {
            return true;
        }
        pos += d.length;
    }
    return false;
}

} // namespace

std::string printable(std::string_view text, std::size_t max_bytes)
{
    std::string out;
    std::size_t replaced = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        pos = append_char(out, text, pos, replaced);
    }
    return out;
}

std::optional<XmlRepair> repair_for_xml_column(std::string_view source)
{
    if (!needs_repair(source)) {
        return std::nullopt;
    }
    XmlRepair repair;
    std::string& out = repair.text;
    out.reserve(source.size() + 16);
    std::size_t pos = 0;
    while (pos < source.size()) {
        // Inside CDATA and comments '&' is literal: only characters are fixed.
        std::size_t literal_end = 0;
        if (source.compare(pos, 9, "<![CDATA[") == 0) {
            literal_end = section_end(source, pos + 9, "]]>");
        } else if (source.compare(pos, 4, "<!--") == 0) {
            literal_end = section_end(source, pos + 4, "-->");
        }
        if (literal_end != 0) {
            while (pos < literal_end) {
                pos = append_char(out, source, pos, repair.replaced);
            }
            continue;
        }
        if (source[pos] != '&') {
            pos = append_char(out, source, pos, repair.replaced);
            continue;
        }
        std::size_t length = 0;
        switch (reference_at(source, pos, length)) {
        case Reference::valid:
            out.append(source, pos, length);
            pos += length;
            break;
        case Reference::disallowed_char:
            out += kReplacementCharacter;
            ++repair.replaced;
            pos += length;
            break;
        case Reference::not_a_reference:
            out += "&amp;";
            ++repair.replaced;
            ++pos;
            break;
        }
    }
    if (repair.replaced == 0) {
        return std::nullopt;
    }
    return repair;
}

} // namespace jobsync::xml
