// Statement parameters collected as nullable text, for
// pqxx::prepare::make_dynamic_params.
#pragma once

#include <pqxx/strconv>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// A parameter's text; nullopt is SQL NULL.
using SqlValue = std::optional<std::string_view>;

// Values are not copied here: text from a page is a view into it (the page
// must outlive this object), and only computed text (numbers, times, hashes)
// is kept here. libpqxx 6.4 copies every parameter into a std::string of its
// own anyway, so a copy here was a second one.
class SqlParams {
public:
    // Appends a view of value, which must outlive this object. value must
    // not hold a NUL byte: libpq sends a text parameter up to its first NUL,
    // which would silently cut it short. Page text never holds one
    // (parse_jobs_page refuses such a body, and decoded references to U+0000),
    // nor do bucket names (host labels) and computed text.
    void add(std::string_view value);
    // Appends value, or NULL when it is empty.
    void add_nullable(const std::optional<std::string_view>& value);
    // Appends text computed for this statement, kept here.
    void add_computed(std::string value);
    void add_null();
    // Empties this, keeping the memory for the next statement.
    void clear();

    std::size_t size() const { return values_.size(); }
    bool empty() const { return values_.empty(); }

    // One value per parameter, views valid while this object and the page live.
    const std::vector<SqlValue>& values() const { return values_; }

private:
    std::vector<SqlValue> values_;
    std::deque<std::string> computed_; // a deque: its strings stay put as it grows
};

} // namespace jobsync

namespace pqxx {

// Lets libpqxx take SqlValues as statement parameters (NULL or text).
template <> struct string_traits<jobsync::SqlValue> {
    static constexpr const char* name() noexcept { return "jobsync::SqlValue"; }
    static constexpr bool has_null() noexcept { return true; }
    static bool is_null(const jobsync::SqlValue& value) { return !value; }
    static jobsync::SqlValue null() { return std::nullopt; }
    static std::string to_string(const jobsync::SqlValue& value) { return std::string(*value); }
};

} // namespace pqxx
