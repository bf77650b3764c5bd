// Text that toml++ 3.3 (Debian 12) must not see: its whitespace check reaches
// __builtin_unreachable() on many non-ASCII characters where whitespace may
// stand (marzer/tomlplusplus issues #190 and #295; found by fuzz_config).
// None of those places may hold a non-ASCII character in valid TOML, so such
// a file is refused with a clear error before the library parses it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

struct TomlHazard {
    std::size_t line = 0;   // 1-based
    std::size_t column = 0; // 1-based, in characters
    std::string what;       // "a non-ASCII character (U+FCFF) outside a string or comment"
};

// The first non-ASCII character outside strings and comments, or right after a
// line-ending backslash in a multi-line basic string; nullopt when there is none.
std::optional<TomlHazard> find_toml_hazard(std::string_view text);

} // namespace jobsync
