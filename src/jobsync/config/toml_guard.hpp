// Text that toml++ 3.3 (Debian 12) must not see: its whitespace check reaches
// __builtin_unreachable() on many non-ASCII characters where whitespace may
// stand (marzer/tomlplusplus issues #190 and #295; found by fuzz_config).
// None of those places may hold a non-ASCII character in valid TOML, so the
// file is first parsed with every non-ASCII character masked as '@' (allowed,
// like them, only in strings and comments): only a file whose structure that
// copy proves valid reaches toml++ as written.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

struct TomlHazard {
    std::size_t line = 0;   // 1-based
    std::size_t column = 0; // 1-based, in characters
    std::string what;       // "a non-ASCII character (U+FCFF) outside a string or comment"
};

// The text with each non-ASCII character (or invalid byte) replaced by '@',
// and where each stood: lines and columns are the same in both.
struct MaskedToml {
    std::string text;
    std::vector<TomlHazard> masked; // what: "a non-ASCII character (U+00F3)"
};
MaskedToml mask_non_ascii(std::string_view text);

// In a file whose structure is valid TOML: the first non-ASCII character
// right after a line-ending backslash in a multi-line basic string (where
// toml++ skips whitespace); nullopt when there is none.
std::optional<TomlHazard> find_toml_hazard(std::string_view text);

} // namespace jobsync
