#include "jobsync/config/toml_reader.hpp"

#include "jobsync/config/toml_guard.hpp"

#include "jobsync/config/duration.hpp"
#include "jobsync/core/errors.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>

namespace jobsync {

namespace {

constexpr std::string_view kDurationHint =
    "(expected an integer and one of s, m, h, d, like \"15m\")";

std::string_view type_name(toml::node_type type)
{
    switch (type) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a local date";
    case toml::node_type::time:
        return "a local time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

bool mentions_secret(std::string_view line)
{
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // database.url may hold a password.
    return lower.find("secret_key") != std::string::npos ||
           lower.find("security_token") != std::string::npos ||
           lower.find("url") != std::string::npos;
}

// toml++ quotes offending text in some syntax errors (e.g. an unquoted
// number), which could be a secret. Conservatively: does any line from the
// enclosing table header to the error line mention a secret key?
bool error_near_secret(std::string_view text, std::uint32_t error_line)
{
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size() && lines.size() < error_line;) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (mentions_secret(*it)) {
            return true;
        }
        const std::size_t first = it->find_first_not_of(" \t");
        if (first != std::string_view::npos && (*it)[first] == '[') {
            return false;
        }
    }
    return false;
}

} // namespace

std::string Diagnostics::at(const toml::source_position& pos) const
{
    // The root table has no position of its own; point at the file's start.
    const auto line = pos.line == 0 ? 1u : pos.line;
    const auto column = pos.column == 0 ? 1u : pos.column;
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

void Diagnostics::fail(const toml::source_region& where, const std::string& what) const
{
    throw ConfigError(at(where.begin) + what);
}

void wrong_type(const Section& section, std::string_view key, const toml::node& node,
                std::string_view expected)
{
    // Only the type is named: the value may be a secret.
    section.diag.fail(node.source(), label(section, key) + " must be " + std::string(expected) +
                                         ", got " + std::string(type_name(node.type())));
}

std::string label(const Section& section, std::string_view key)
{
    return section.name.empty() ? std::string(key) : section.name + " " + std::string(key);
}

namespace {

[[noreturn]] void syntax_error(const std::string& text, const toml::parse_error& error,
                               const Diagnostics& diag)
{
    const std::string detail =
        error_near_secret(text, error.source().begin.line)
            ? "TOML syntax error (details withheld: this part of the file sets a secret)"
            : "TOML syntax error: " + std::string(error.description());
    diag.fail(error.source(), detail);
}

void fail_at(const TomlHazard& hazard, const std::string& what, const Diagnostics& diag)
{
    toml::source_region where;
    where.begin = {static_cast<toml::source_index>(hazard.line),
                   static_cast<toml::source_index>(hazard.column)};
    diag.fail(where, what);
}

} // namespace

toml::table parse_toml(const std::string& text, const Diagnostics& diag)
{
    // The structure first, on a copy toml++ reads safely (toml_guard.hpp).
    const MaskedToml masked = mask_non_ascii(text);
    if (!masked.masked.empty()) {
        try {
            (void)toml::parse(masked.text);
        } catch (const toml::parse_error& error) {
            const toml::source_position& at = error.source().begin;
            for (const TomlHazard& character : masked.masked) {
                if (character.line == at.line && character.column == at.column) {
                    fail_at(character,
                            character.what + " outside a string or comment (TOML allows it only "
                                             "in quoted strings and comments)",
                            diag);
                }
            }
            syntax_error(text, error, diag);
        }
    }
    if (const std::optional<TomlHazard> hazard = find_toml_hazard(text)) {
        fail_at(*hazard, hazard->what, diag);
    }
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& error) {
        syntax_error(text, error, diag);
    }
}

void reject_unknown_keys(const Section& section, std::initializer_list<std::string_view> allowed)
{
    const toml::key* first = nullptr;
    for (auto&& [key, node] : section.table) {
        (void)node;
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) {
            continue;
        }
        // Tables iterate in key order; report the earliest in the file instead.
        const auto& pos = key.source().begin;
        if (first == nullptr || pos.line < first->source().begin.line ||
            (pos.line == first->source().begin.line && pos.column < first->source().begin.column)) {
            first = &key;
        }
    }
    if (first != nullptr) {
        const std::string where = section.name.empty() ? "at the top level" : "in " + section.name;
        section.diag.fail(first->source(),
                          "unknown key '" + std::string(first->str()) + "' " + where);
    }
}

const toml::table* read_table(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return nullptr;
    }
    if (!node->is_table()) {
        wrong_type(section, key, *node, "a table");
    }
    return node->as_table();
}

std::optional<std::string> read_string(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_string()) {
        wrong_type(section, key, *node, "a string");
    }
    return node->as_string()->get();
}

std::optional<bool> read_boolean(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_boolean()) {
        wrong_type(section, key, *node, "a boolean");
    }
    return node->as_boolean()->get();
}

std::string require_string(const Section& section, std::string_view key)
{
    std::optional<std::string> value = read_string(section, key);
    if (!value) {
        section.diag.fail(section.table.source(),
                          section.name + " is missing required key '" + std::string(key) + "'");
    }
    if (value->empty()) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + " must not be empty");
    }
    return *value;
}

std::optional<long> read_integer(const Section& section, std::string_view key, long min, long max)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_integer()) {
        wrong_type(section, key, *node, "an integer");
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
        const std::string range =
            max == LONG_MAX ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
        section.diag.fail(node->source(), label(section, key) + " must be " + range + ", got " +
                                              std::to_string(value));
    }
    return static_cast<long>(value);
}

// A rate: an integer or a float, at least 0 (0 => unlimited).
double read_rate(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return 0;
    }
    if (!node->is_integer() && !node->is_floating_point()) {
        wrong_type(section, key, *node, "a number");
    }
    const double value = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                            : node->as_floating_point()->get();
    if (!(value >= 0) || value > 1e6) {
        section.diag.fail(node->source(),
                          label(section, key) + " must be between 0 (unlimited) and 1000000");
    }
    return value;
}

std::optional<long> read_duration(const Section& section, std::string_view key, Zero zero,
                                  long max_seconds)
{
    std::optional<std::string> text = read_string(section, key);
    if (!text) {
        return std::nullopt;
    }
    const toml::source_region& where = section.table.get(key)->source();
    const std::optional<long> seconds = parse_duration_seconds(*text);
    if (!seconds) {
        section.diag.fail(where, label(section, key) + ": bad duration '" + *text + "' " +
                                     std::string(kDurationHint));
    }
    if (*seconds == 0 && zero == Zero::rejected) {
        section.diag.fail(where,
                          label(section, key) + " must be greater than zero, got '" + *text + "'");
    }
    if (*seconds > max_seconds) {
        section.diag.fail(where, label(section, key) + " must be at most " +
                                     format_duration(max_seconds) + ", got '" + *text + "'");
    }
    return seconds;
}

// Reads a list of distinct non-empty strings; `allowed` (if given) limits the values.
std::optional<std::vector<std::string>> read_unique_strings(const Section& section,
                                                            std::string_view key,
                                                            const std::vector<std::string>* allowed)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_array()) {
        wrong_type(section, key, *node, "an array of strings");
    }
    const toml::array& array = *node->as_array();
    if (array.empty()) {
        section.diag.fail(node->source(), label(section, key) + " must not be empty (leave it "
                                                                "out to use the default)");
    }
    std::vector<std::string> values;
    for (const toml::node& element : array) {
        if (!element.is_string()) {
            wrong_type(section, key, element, "an array of strings");
        }
        const std::string& value = element.as_string()->get();
        const auto& diag = section.diag;
        if (value.empty()) {
            diag.fail(element.source(), label(section, key) + " must not contain empty strings");
        }
        if (allowed != nullptr &&
            std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
            std::string known;
            for (const auto& name : *allowed) {
                known += (known.empty() ? "" : ", ") + name;
            }
            diag.fail(element.source(), label(section, key) + ": unknown value '" + value +
                                            "' (expected one of " + known + ")");
        }
        if (std::find(values.begin(), values.end(), value) != values.end()) {
            diag.fail(element.source(), label(section, key) + ": '" + value + "' is listed twice");
        }
        values.push_back(value);
    }
    return values;
}

std::optional<UnixSeconds> read_offset_date_time(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    constexpr std::string_view expected =
        "an offset date-time like 2024-01-01T00:00:00+08:00 (unquoted)";
    if (node->is_date_time() && !node->as_date_time()->get().offset) {
        section.diag.fail(node->source(), label(section, key) + " must be " +
                                              std::string(expected) +
                                              ", got a local date-time without a UTC offset");
    }
    if (!node->is_date_time()) {
        wrong_type(section, key, *node, expected);
    }
    const toml::date_time& value = node->as_date_time()->get();
    const CivilTime civil{value.date.year, value.date.month,  value.date.day,
                          value.time.hour, value.time.minute, value.time.second};
    return unix_seconds_from_civil(civil, value.offset->minutes * 60);
}

} // namespace jobsync
