#include "jobsync/core/text_sanitizer.hpp"

#include "jobsync/core/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace jobsync {
namespace {

constexpr std::string_view kCutMark = "...";

// How code_point is written in form, or "" when it is written as it is.
std::string escape_of(std::uint32_t code_point, TextForm form)
{
    switch (code_point) {
    case '\n':
        return form == TextForm::lines ? "\n" : "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\\':
        return form == TextForm::quoted ? "\\\\" : "";
    case '"':
        return form == TextForm::quoted ? "\\\"" : "";
    default:
        break;
    }
    if (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(code_point));
        return buffer;
    }
    return "";
}

} // namespace

std::string sanitize_text(std::string_view text, TextForm form, std::size_t max_bytes)
{
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    // Where the text is cut if it turns out not to fit: the end of the last
    // piece that leaves room for the cut mark.
    std::size_t cut_at = 0;
    const std::size_t room = max_bytes < kCutMark.size() ? 0 : max_bytes - kCutMark.size();
    for (std::size_t at = 0; at < text.size();) {
        const Utf8Step step = next_utf8_step(text, at);
        const std::string_view sequence = text.substr(at, step.length);
        at += step.length;
        if (!step.valid) {
            out += kReplacementCharacter;
        } else {
            const std::string escape = escape_of(step.code_point, form);
            out += escape.empty() ? sequence : std::string_view(escape);
        }
        if (out.size() > max_bytes) {
            out.resize(cut_at);
            out += kCutMark;
            return out;
        }
        if (out.size() <= room) {
            cut_at = out.size();
        }
    }
    return out;
}

} // namespace jobsync
