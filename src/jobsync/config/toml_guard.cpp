#include "jobsync/config/toml_guard.hpp"

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
    const auto byte = [&](std::size_t i) {
        return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
    };
    const unsigned lead = byte(pos);
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    unsigned code = length == 1 ? 0 : lead & (0x7F >> length);
    bool valid = length > 1;
    for (std::size_t i = 1; i < length; ++i) {
        valid = valid && (byte(pos + i) & 0xC0) == 0x80;
        code = (code << 6) | (byte(pos + i) & 0x3F);
    }
    char name[16];
    std::snprintf(name, sizeof name, valid ? "U+%04X" : "byte 0x%02X", valid ? code : lead);
    return name;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::optional<TomlHazard> run()
    {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            const bool quote_opens = opens_string();
            if (c == '#') {
                skip_until_newline();
            } else if (quote_opens && starts("\"\"\"")) {
                advance(3);
                if (auto hazard = multi_line_basic()) {
                    return hazard;
                }
                last_ = '"';
            } else if (quote_opens && starts("'''")) {
                advance(3);
                skip_past("'''");
                last_ = '\'';
            } else if (quote_opens && c == '"') {
                advance(1);
                basic();
                last_ = '"';
            } else if (quote_opens && c == '\'') {
                advance(1);
                skip_past("'");
                last_ = '\'';
            } else if (!is_ascii(c)) {
                return hazard("outside a string or comment (TOML allows it only in quoted "
                              "strings and comments)");
            } else {
                if (c != ' ' && c != '\t' && c != '\r') {
                    last_ = c;
                }
                advance(1);
            }
        }
        return std::nullopt;
    }

private:
    // A quote opens a string only where a key or a value may begin. Elsewhere
    // (as in `a = 999"x"`) toml++ reads it as part of a bare token and checks
    // each following character for whitespace: the crash this guard prevents.
    bool opens_string() const
    {
        return std::string_view("\n=[,{.").find(last_) != std::string_view::npos;
    }
    bool starts(std::string_view s) const { return text_.compare(pos_, s.size(), s) == 0; }

    void advance(std::size_t bytes)
    {
        for (std::size_t end = pos_ + bytes; pos_ < end && pos_ < text_.size(); ++pos_) {
            if (text_[pos_] == '\n') {
                ++line_;
                column_ = 1;
            } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
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
        return {line_, column_, "a non-ASCII character (" + describe(text_, pos_) + ") " + where};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t column_ = 1;
    char last_ = '\n'; // the last character outside strings, comments and blanks
};

} // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view text)
{
    return Scanner(text).run();
}

} // namespace jobsync
