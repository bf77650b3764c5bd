// Text escaping for the XML the emulator writes.
#pragma once

#include <string>
#include <string_view>

namespace jobsync::emulator {

// Appends text with & < > " escaped (enough for element text and attributes).
inline void append_escaped(std::string& out, std::string_view text)
{
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
            break;
        }
    }
}

inline std::string xml_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text);
    return out;
}

// <name>text</name>, or <name/> when text is empty.
inline void append_element(std::string& out, std::string_view name, std::string_view text)
{
    out += '<';
    out += name;
    if (text.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    append_escaped(out, text);
    out += "</";
    out += name;
    out += '>';
}

} // namespace jobsync::emulator
