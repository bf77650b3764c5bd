#include "emulator/listing_request.hpp"

#include "emulator/query_params.hpp"

#include <algorithm>

namespace jobsync::emulator {
namespace {

constexpr std::size_t kMaxSize = 100;

// Exactly "2024-01-01T00:00:00+0800": the shape, not the values (parse_api_time checks those).
bool has_documented_shape(const std::string& text)
{
    static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd+dddd";
    if (text.size() != sizeof kShape - 1) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool ok = kShape[i] == 'd'   ? c >= '0' && c <= '9'
                        : kShape[i] == '+' ? c == '+' || c == '-'
                                           : c == kShape[i];
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

const std::string* value_of(const QueryParams& params, const char* name)
{
    const std::string* value = find_param(params, name);
    return value && !value->empty() ? value : nullptr;
}

std::optional<std::string> parse_size(const QueryParams& params, std::size_t& size)
{
    const std::string* text = value_of(params, "size");
    if (!text) {
        return std::nullopt;
    }
    if (text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos) {
        return "size must be an integer between 1 and 100";
    }
    size = static_cast<std::size_t>(std::stoul(*text));
    if (size < 1 || size > kMaxSize) {
        return "size must be an integer between 1 and 100";
    }
    return std::nullopt;
}

std::optional<std::string> parse_states(const QueryParams& params,
                                        std::initializer_list<const char*> allowed,
                                        std::vector<std::string>& out)
{
    const std::string* text = value_of(params, "states");
    if (!text) {
        return std::nullopt;
    }
    for (const std::string& state : split_list(*text, ',')) {
        if (std::none_of(allowed.begin(), allowed.end(),
                         [&](const char* value) { return state == value; })) {
            return "invalid states: " + *text;
        }
        out.push_back(state);
    }
    return std::nullopt;
}

std::optional<std::string> parse_time(const QueryParams& params, const char* name, bool strict,
                                      std::optional<UnixSeconds>& out)
{
    const std::string* text = value_of(params, name);
    if (!text) {
        return std::nullopt;
    }
    out = strict && !has_documented_shape(*text) ? std::nullopt : parse_api_time(*text);
    if (!out) {
        return std::string("invalid ") + name + ": " + *text +
               " (expected %Y-%m-%dT%H:%M:%S%z, e.g. 2024-01-01T00:00:00+0800)";
    }
    return std::nullopt;
}

std::optional<std::string> parse_order(const QueryParams& params, bool& ascending)
{
    if (const std::string* order = value_of(params, "orderByTime")) {
        if (*order != "Asc" && *order != "Desc") {
            return "orderByTime must be Asc or Desc";
        }
        ascending = *order == "Asc";
    }
    return std::nullopt;
}

std::optional<std::string> parse_listing_params(
    const QueryParams& params, std::initializer_list<std::pair<const char*, std::string*>> strings,
    std::initializer_list<const char*> states, bool strict_times, ListingRequest& out)
{
    for (const auto& [name, target] : strings) {
        if (const std::string* value = value_of(params, name)) {
            *target = *value;
        }
    }
    if (const std::string* token = value_of(params, "nextToken")) {
        out.next_token = *token;
    }
    if (auto error = parse_order(params, out.query.ascending)) {
        return error;
    }
    if (auto error = parse_size(params, out.size)) {
        return error;
    }
    if (auto error = parse_states(params, states, out.query.states)) {
        return error;
    }
    if (auto error = parse_time(params, "startCreationTime", strict_times, out.query.start)) {
        return error;
    }
    return parse_time(params, "endCreationTime", strict_times, out.query.end);
}

} // namespace jobsync::emulator
