#include "jobsync/config/toml_guard.hpp"

#include "jobsync/core/utf8.hpp"

#include <cstdio>

namespace jobsync {
namespace {

bool is_ascii(char c)
{
    return static_cast<unsigned char>(c) < 0x80;
}

// "U+00E9" for the UTF-8 character at pos, "byte 0xBB" when it is not one.
std::string describe(std::string_view text, std::size_t pos)
{
    const Utf8Step step = next_utf8_step(text, pos);
    char name[16];
    std::snprintf(name, sizeof name, step.valid ? "U+%04X" : "byte 0x%02X",
                  step.valid ? step.code_point : static_cast<unsigned char>(text[pos]));
    return name;
}

std::string non_ascii(std::string_view text, std::size_t pos)
{
    return "a non-ASCII character (" + describe(text, pos) + ")";
}

bool is_continuation(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::optional<TomlHazard> run()
    {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '#') {
                skip_until_newline();
            } else if (starts("\"\"\"")) {
                advance(3);
                if (auto hazard = multi_line_basic()) {
                    return hazard;
                }
            } else if (starts("'''")) {
                advance(3);
                skip_past("'''");
            } else if (c == '"') {
                advance(1);
                basic();
            } else if (c == '\'') {
                advance(1);
                skip_past("'");
            } else {
                advance(1);
            }
        }
        return std::nullopt;
    }

private:
    bool starts(std::string_view s) const { return text_.compare(pos_, s.size(), s) == 0; }

    void advance(std::size_t bytes)
    {
        for (std::size_t end = pos_ + bytes; pos_ < end && pos_ < text_.size(); ++pos_) {
            if (text_[pos_] == '\n') {
                ++line_;
                column_ = 1;
            } else if (!is_continuation(text_[pos_])) {
                ++column_; // continuation bytes are part of the character before
            }
        }
    }

    void skip_until_newline()
    {
        while (pos_ < text_.size() && text_[pos_] != '\n') {
            advance(1);
        }
    }

    void skip_past(std::string_view end)
    {
        while (pos_ < text_.size() && !starts(end)) {
            advance(1);
        }
        advance(end.size());
    }

    // A one-line basic string: escapes skipped, it ends at '"' or the line's end.
    void basic()
    {
        while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
            advance(text_[pos_] == '\\' ? 2 : 1);
        }
        if (pos_ < text_.size()) {
            advance(1); // the closing quote; a newline leaves the error to toml++
        }
    }

    std::optional<TomlHazard> multi_line_basic()
    {
        while (pos_ < text_.size() && !starts("\"\"\"")) {
            if (text_[pos_] != '\\') {
                advance(1);
                continue;
            }
            advance(1);
            std::size_t end = pos_;
            while (end < text_.size() && (text_[end] == ' ' || text_[end] == '\t')) {
                ++end;
            }
            if (end >= text_.size() || (text_[end] != '\n' && text_[end] != '\r')) {
                advance(1); // an escape such as \" or \n
                continue;
            }
            // A line-ending backslash: toml++ trims the whitespace that follows.
            while (pos_ < text_.size() &&
                   std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) {
                advance(1);
            }
            if (pos_ < text_.size() && !is_ascii(text_[pos_])) {
                return hazard("right after a line-ending backslash (escape it, e.g. \\u00A7)");
            }
        }
        advance(3);
        return std::nullopt;
    }

    TomlHazard hazard(const std::string& where) const
    {
        return {line_, column_, non_ascii(text_, pos_) + " " + where};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t column_ = 1;
};

} // namespace

MaskedToml mask_non_ascii(std::string_view text)
{
    MaskedToml result;
    result.text.reserve(text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t pos = 0; pos < text.size();) {
        const char c = text[pos];
        if (is_ascii(c)) {
            result.text += c;
            ++pos;
            if (c == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
            continue;
        }
        // One '@' per character: a lead byte and its continuation bytes, or
        // a stray byte alone, so columns stay those of the original.
        result.masked.push_back({line, column, non_ascii(text, pos)});
        result.text += '@';
        ++column;
        ++pos;
        while (pos < text.size() && is_continuation(text[pos])) {
            ++pos;
        }
    }
    return result;
}

std::optional<TomlHazard> find_toml_hazard(std::string_view text)
{
    return Scanner(text).run();
}

} // namespace jobsync
