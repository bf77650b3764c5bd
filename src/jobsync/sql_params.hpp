// Statement parameters collected as nullable text, for
// pqxx::prepare::make_dynamic_params (libpqxx 6.4 sends a null const char*
// as SQL NULL).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

class SqlParams {
public:
    // Appends a copy of value. Throws std::invalid_argument when it holds a
    // NUL byte, which would silently cut the value short.
    void add(std::string_view value);
    // Appends value, or NULL when it is empty.
    void add_nullable(const std::optional<std::string_view>& value);
    void add_null();

    std::size_t size() const { return offsets_.size(); }
    bool empty() const { return offsets_.empty(); }

    // One pointer per parameter (nullptr for NULL), each null-terminated.
    // Valid until the next add or the end of this object.
    std::vector<const char*> pointers() const;

private:
    std::string buffer_;                  // every value, each followed by '\0'
    std::vector<std::ptrdiff_t> offsets_; // into buffer_, -1 for NULL
};

} // namespace jobsync
