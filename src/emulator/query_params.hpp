// The query string as the service reads it.
#pragma once

#include "jobsync/core/cos_signer.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync::emulator {

// Splits on '&' and percent-decodes names and values. A bare key counts as
// an empty value. '+' decodes to a space, as form decoding on the real
// service does: a client that sends a raw '+' (instead of %2B) gets a wrong
// value and a signature mismatch here too.
QueryParams parse_query(std::string_view raw);

// The first value of the exactly-named parameter, or nullptr.
const std::string* find_param(const QueryParams& params, std::string_view name);

// Splits "a,b,c" into its non-empty items.
std::vector<std::string> split_list(std::string_view text, char separator);

// A positive integer no larger than max, or nullopt; absent or "" => fallback.
std::optional<long> positive(const std::string* text, long fallback, long max);

// True when text is absent, "", or one of allowed.
bool is_one_of(const std::string* text, std::initializer_list<const char*> allowed);

} // namespace jobsync::emulator
