#include "jobsync/core/utf8.hpp"

namespace jobsync {

Utf8Step next_utf8_step(std::string_view text, std::size_t at)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return {1, true, lead};
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code_point = lead & 0x1FU;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code_point = lead & 0x0FU;
        second_min = lead == 0xE0 ? 0xA0 : 0x80; // overlong
        second_max = lead == 0xED ? 0x9F : 0xBF; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code_point = lead & 0x07U;
        second_min = lead == 0xF0 ? 0x90 : 0x80; // overlong
        second_max = lead == 0xF4 ? 0x8F : 0xBF; // above U+10FFFF
    } else {
        return {1, false, 0};
    }
    std::size_t i = 1;
    while (i < length && at + i < text.size()) {
        const unsigned char min = i == 1 ? second_min : 0x80;
        const unsigned char max = i == 1 ? second_max : 0xBF;
        if (byte(i) < min || byte(i) > max) {
            break;
        }
        code_point = code_point << 6 | (byte(i) & 0x3FU);
        ++i;
    }
    return i == length ? Utf8Step{length, true, code_point} : Utf8Step{i, false, 0};
}

bool is_valid_utf8(std::string_view text)
{
    for (std::size_t at = 0; at < text.size();) {
        if (static_cast<unsigned char>(text[at]) < 0x80) {
            ++at; // the common case, without a call
            continue;
        }
        const Utf8Step step = next_utf8_step(text, at);
        if (!step.valid) {
            return false;
        }
        at += step.length;
    }
    return true;
}

} // namespace jobsync
