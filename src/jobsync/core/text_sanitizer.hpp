// The one way text from outside the program (a server's body or header, a
// database error, a job id) is made fit for a text column, a log line and a
// terminal.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace jobsync {

enum class TextForm {
    line,   // one line: line breaks are escaped like every other control character
    lines,  // several lines: '\n' is kept, everything else as in line
    quoted, // one line inside double quotes (logfmt, JSON): '\' and '"' escaped too
};

inline constexpr std::size_t kUnlimitedText = std::numeric_limits<std::size_t>::max();

// Valid UTF-8 without control characters: each invalid or truncated byte
// sequence becomes U+FFFD; control characters (C0, DEL, C1, so ESC too) are
// escaped visibly (\n, \r, \t, else \u001b style). The result holds at most
// max_bytes bytes (at least 3): when the text does not fit it is cut on a
// character (never inside a character or an escape) and ends in "...".
// Text that is already valid UTF-8 without control characters comes back
// unchanged in the line and lines forms (so sanitizing twice changes nothing).
std::string sanitize_text(std::string_view text, TextForm form = TextForm::line,
                          std::size_t max_bytes = kUnlimitedText);

} // namespace jobsync
