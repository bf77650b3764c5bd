// Generic reading of a parsed TOML document: typed values with range checks,
// and ConfigError messages that point at "<file>:<line>:<column>" and name
// the key, never a value that could be a secret.
#pragma once

#include "jobsync/config/duration.hpp"
#include "jobsync/core/api_time.hpp"

#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobsync {

// Formats "<file>:<line>:<column>: " prefixes and throws ConfigError.
class Diagnostics {
public:
    explicit Diagnostics(std::string path) : path_(std::move(path)) {}

    std::string at(const toml::source_position& pos) const;
    [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const;

private:
    std::string path_;
};

// A table being read, with the name messages give it ("[sync]", "[[source]]").
struct Section {
    const toml::table& table;
    std::string name; // "" for the top level
    const Diagnostics& diag;
};

// "[sync] page_size" (or just the key at the top level), for messages.
std::string label(const Section& section, std::string_view key);

// Fails with "<label> must be <expected>, got <type>": only the type is named,
// the value may be a secret.
[[noreturn]] void wrong_type(const Section& section, std::string_view key, const toml::node& node,
                             std::string_view expected);

// Parses the document; a syntax error near a secret withholds toml++'s text,
// which can quote the offending value.
toml::table parse_toml(const std::string& text, const Diagnostics& diag);

// Fails on the earliest key (in file order) that is not in `allowed`.
void reject_unknown_keys(const Section& section, std::initializer_list<std::string_view> allowed);

// The typed readers return nullopt (or nullptr) for an absent key and fail on
// a wrong type or an out-of-range value.
const toml::table* read_table(const Section& section, std::string_view key);
std::optional<std::string> read_string(const Section& section, std::string_view key);
std::optional<bool> read_boolean(const Section& section, std::string_view key);
// Present and non-empty, else a failure.
std::string require_string(const Section& section, std::string_view key);
std::optional<long> read_integer(const Section& section, std::string_view key, long min, long max);
// A rate: an integer or a float, 0..1e6 (0 => unlimited); absent => 0.
double read_rate(const Section& section, std::string_view key);

enum class Zero { allowed, rejected };
// A duration string ("15m"), at most max_seconds (each key has its own).
std::optional<long> read_duration(const Section& section, std::string_view key, Zero zero,
                                  long max_seconds = kMaxDurationSeconds);

// A list of distinct non-empty strings; `allowed` (if given) limits the values.
std::optional<std::vector<std::string>>
read_unique_strings(const Section& section, std::string_view key,
                    const std::vector<std::string>* allowed);

// An offset date-time (unquoted, with a UTC offset) as Unix seconds.
std::optional<UnixSeconds> read_offset_date_time(const Section& section, std::string_view key);

} // namespace jobsync
