#include "jobsync/xml/xml_entities.hpp"

#include <rapidxml.hpp>

namespace jobsync::xml {

namespace {

constexpr unsigned kNotADigit = 0xFF;

// RapidXML reads decimal and hexadecimal references with one digit table, so
// "&#1a;" is 1 * 10 + 10. Kept, so a field decodes as it always did.
unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return static_cast<unsigned>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<unsigned>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<unsigned>(c - 'A' + 10);
    }
    return kNotADigit;
}

[[noreturn]] void fail(const char* what, const char* where)
{
    // parse_error wants a mutable pointer; it is only ever read back as an offset.
    throw rapidxml::parse_error(what, const_cast<char*>(where));
}

void append_utf8(std::string& out, unsigned long code, const char* where)
{
    if (code == 0) {
        // Not an XML character (RapidXML let it through as a NUL byte, which
        // no database parameter can carry).
        fail("invalid numeric character entity", where);
    }
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x110000) {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        fail("invalid numeric character entity", where);
    }
}

struct Named {
    std::string_view reference; // without the '&'
    char character;
};

constexpr Named kNamed[] = {
    {"amp;", '&'}, {"apos;", '\''}, {"quot;", '"'}, {"gt;", '>'}, {"lt;", '<'}};

} // namespace

std::string decode_entities(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t amp = text.find('&', pos);
        out.append(text, pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
        const std::string_view rest = text.substr(pos);
        if (rest.empty() || rest[0] != '#') {
            const Named* named = nullptr;
            for (const Named& n : kNamed) {
                if (rest.compare(0, n.reference.size(), n.reference) == 0) {
                    named = &n;
                }
            }
            out += named != nullptr ? named->character : '&';
            pos += named != nullptr ? named->reference.size() : 0;
            continue;
        }
        const bool hex = rest.size() > 1 && rest[1] == 'x';
        const unsigned long base = hex ? 16 : 10;
        pos += hex ? 2 : 1;
        unsigned long code = 0;
        while (pos < text.size() && digit_value(text[pos]) != kNotADigit) {
            code = code * base + digit_value(text[pos]);
            ++pos;
        }
        append_utf8(out, code, text.data() + pos);
        if (pos >= text.size() || text[pos] != ';') {
            fail("expected ;", text.data() + pos);
        }
        ++pos;
    }
    return out;
}

} // namespace jobsync::xml
