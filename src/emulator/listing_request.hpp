// The parameters every token-paged listing shares (/jobs,
// /workflowexecution, /inventorytriggerjob), validated the way the service
// validates them. Each returns the InvalidArgument message when bad.
#pragma once

#include "emulator/dataset.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/cos_signer.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobsync::emulator {

// One request of a listing: its filter, page size and token ("" => first page).
struct ListingRequest {
    JobQuery query;
    std::size_t size = 10;
    std::string next_token;
};

// What follows a listing's own parameters: the `strings` named (copied when
// present), nextToken, orderByTime, size, states (each one of `states`) and
// the creation-time bounds (see parse_time).
std::optional<std::string> parse_listing_params(
    const QueryParams& params, std::initializer_list<std::pair<const char*, std::string*>> strings,
    std::initializer_list<const char*> states, bool strict_times, ListingRequest& out);

// The named parameter when present and non-empty, else nullptr.
const std::string* value_of(const QueryParams& params, const char* name);

// size: 1..100; absent leaves size as it is.
std::optional<std::string> parse_size(const QueryParams& params, std::size_t& size);

// states: a comma list of the allowed values.
std::optional<std::string> parse_states(const QueryParams& params,
                                        std::initializer_list<const char*> allowed,
                                        std::vector<std::string>& out);

// A creation-time bound. strict: only the documented %Y-%m-%dT%H:%M:%S%z
// (e.g. +0800); otherwise also +08:00, Z, a space for T and fractional seconds.
std::optional<std::string> parse_time(const QueryParams& params, const char* name, bool strict,
                                      std::optional<UnixSeconds>& out);

// orderByTime: Asc or Desc (the default).
std::optional<std::string> parse_order(const QueryParams& params, bool& ascending);

} // namespace jobsync::emulator
