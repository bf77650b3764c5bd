// Recovers an element's exact bytes from the document it was parsed from.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace jobsync::emulator {

// The text of the element whose start tag begins at raw[start], through its
// matching end tag (or the tag itself when it self-closes). Skips comments,
// CDATA and processing instructions. nullopt when the element is unterminated.
std::optional<std::string_view> element_source(std::string_view raw, std::size_t start);

} // namespace jobsync::emulator
