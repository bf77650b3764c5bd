#include "emulator/query_params.hpp"

#include "jobsync/core/url_encode.hpp"

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

} // namespace jobsync::emulator
