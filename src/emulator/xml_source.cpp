#include "emulator/xml_source.hpp"

namespace jobsync::emulator {
namespace {

// Index just past the '>' closing the markup that starts at raw[lt], quotes
// respected; npos when unterminated.
std::size_t markup_end(std::string_view raw, std::size_t lt)
{
    static constexpr std::pair<std::string_view, std::string_view> kOpaque[] = {
        {"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (const auto& [open, close] : kOpaque) {
        if (raw.compare(lt, open.size(), open) == 0) {
            const std::size_t end = raw.find(close, lt + open.size());
            return end == std::string_view::npos ? end : end + close.size();
        }
    }
    char quote = 0;
    for (std::size_t i = lt + 1; i < raw.size(); ++i) {
        const char c = raw[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

} // namespace

std::optional<std::string_view> element_source(std::string_view raw, std::size_t start)
{
    if (start >= raw.size() || raw[start] != '<') {
        return std::nullopt;
    }
    long depth = 0;
    std::size_t pos = start;
    while (true) {
        const std::size_t lt = raw.find('<', pos);
        if (lt == std::string_view::npos) {
            return std::nullopt;
        }
        const std::size_t end = markup_end(raw, lt);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        pos = end;
        const char kind = lt + 1 < raw.size() ? raw[lt + 1] : '\0';
        if (kind == '!' || kind == '?') {
            continue; // comment, CDATA, declaration: no nesting change
        }
        if (kind == '/') {
            --depth;
        } else if (raw[end - 2] != '/') {
            ++depth;
        }
        if (depth <= 0) {
            return raw.substr(start, end - start);
        }
    }
}

} // namespace jobsync::emulator
