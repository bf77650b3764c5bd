// Percent-encoding as COS/CI signs and sends it.
#pragma once

#include <string>
#include <string_view>

namespace jobsync {

// UTF-8 percent-encoding leaving only A-Z a-z 0-9 - _ . ~ unencoded, with
// uppercase hex; space becomes %20 (never '+'), '+' becomes %2B.
std::string url_encode(std::string_view raw);

// Inverse of url_encode; also accepts lowercase hex. A '+' is decoded as a
// literal '+' unless plus_is_space (form decoding). Malformed escapes are
// kept as they are.
std::string url_decode(std::string_view encoded, bool plus_is_space = false);

} // namespace jobsync
