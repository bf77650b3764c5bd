// The one UTF-8 decoder: what text_sanitizer and xml_chars step through text
// with, and the validity check every key and text column relies on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jobsync {

// What invalid bytes become, UTF-8 encoded.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD"; // U+FFFD

// One step through text at byte at (< text.size()): a well-formed UTF-8
// sequence and its code point, or the bytes one U+FFFD stands for (Unicode's
// "maximal subpart": the longest prefix of a sequence that could have become
// well-formed, at least one byte). Overlong forms, surrogates and code points
// above U+10FFFF are not well-formed.
struct Utf8Step {
    std::size_t length = 1;
    bool valid = false;
    std::uint32_t code_point = 0; // when valid
};
Utf8Step next_utf8_step(std::string_view text, std::size_t at);

// True when text is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

} // namespace jobsync
