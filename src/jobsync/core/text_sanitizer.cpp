#include "jobsync/core/text_sanitizer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace jobsync {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD
constexpr std::string_view kCutMark = "...";

// One step through the text: a well-formed UTF-8 sequence, or the bytes one
// U+FFFD stands for (Unicode's "maximal subpart": the longest prefix of a
// sequence that could have become well-formed, at least one byte). Overlong
// forms, surrogates and code points above U+10FFFF are not well-formed.
struct Step {
    std::size_t length;
    bool valid;
};

Step next_step(std::string_view text, std::size_t at)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return {1, true};
    }
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        second_min = lead == 0xE0 ? 0xA0 : 0x80; // overlong
        second_max = lead == 0xED ? 0x9F : 0xBF; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        second_min = lead == 0xF0 ? 0x90 : 0x80; // overlong
        second_max = lead == 0xF4 ? 0x8F : 0xBF; // above U+10FFFF
    } else {
        return {1, false};
    }
    std::size_t i = 1;
    while (i < length && at + i < text.size()) {
        const unsigned char min = i == 1 ? second_min : 0x80;
        const unsigned char max = i == 1 ? second_max : 0xBF;
        if (byte(i) < min || byte(i) > max) {
            break;
        }
        ++i;
    }
    return {i, i == length};
}

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

std::uint32_t decode(std::string_view sequence)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(sequence[i]); };
    switch (sequence.size()) {
    case 1:
        return byte(0);
    case 2:
        return (byte(0) & 0x1FU) << 6 | (byte(1) & 0x3FU);
    case 3:
        return (byte(0) & 0x0FU) << 12 | (byte(1) & 0x3FU) << 6 | (byte(2) & 0x3FU);
    default:
        return (byte(0) & 0x07U) << 18 | (byte(1) & 0x3FU) << 12 | (byte(2) & 0x3FU) << 6 |
               (byte(3) & 0x3FU);
    }
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
        const Step step = next_step(text, at);
        const std::string_view sequence = text.substr(at, step.length);
        at += step.length;
        if (!step.valid) {
            out += kReplacement;
        } else {
            const std::string escape = escape_of(decode(sequence), form);
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
