#include "emulator/query_params.hpp"

#include "jobsync/core/url_encode.hpp"

#include <algorithm>

namespace jobsync::emulator {

QueryParams parse_query(std::string_view raw)
{
    QueryParams params;
    for (const std::string& part : split_list(raw, '&')) {
        const auto eq = part.find('=');
        const std::string_view name = std::string_view(part).substr(0, eq);
        const std::string_view value =
            eq == std::string::npos ? std::string_view() : std::string_view(part).substr(eq + 1);
        params.emplace_back(url_decode(name, true), url_decode(value, true));
    }
    return params;
}

const std::string* find_param(const QueryParams& params, std::string_view name)
{
    for (const auto& [key, value] : params) {
        if (key == name) {
            return &value;
        }
    }
    return nullptr;
}

std::vector<std::string> split_list(std::string_view text, char separator)
{
    std::vector<std::string> items;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto end = text.find(separator, pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        if (end > pos) {
            items.emplace_back(text.substr(pos, end - pos));
        }
        pos = end + 1;
    }
    return items;
}

// A positive integer no larger than max, or nullopt; "" means the default.
std::optional<long> positive(const std::string* text, long fallback, long max)
{
    if (!text || text->empty()) {
        return fallback;
    }
    if (text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    const long value = std::stol(*text);
    return value >= 1 && value <= max ? std::optional<long>(value) : std::nullopt;
}

bool is_one_of(const std::string* text, std::initializer_list<const char*> allowed)
{
    if (!text || text->empty()) {
        return true;
    }
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const char* value) { return *text == value; });
}

} // namespace jobsync::emulator
