#include "jobsync/sql_params.hpp"

#include <stdexcept>

namespace jobsync {

void SqlParams::add(std::string_view value)
{
    if (value.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("SQL text parameter contains a NUL byte");
    }
    offsets_.push_back(static_cast<std::ptrdiff_t>(buffer_.size()));
    buffer_.append(value);
    buffer_.push_back('\0');
}

void SqlParams::add_nullable(const std::optional<std::string_view>& value)
{
    if (value) {
        add(*value);
    } else {
        add_null();
    }
}

void SqlParams::add_null()
{
    offsets_.push_back(-1);
}

std::vector<const char*> SqlParams::pointers() const
{
    std::vector<const char*> result;
    result.reserve(offsets_.size());
    for (const std::ptrdiff_t offset : offsets_) {
        result.push_back(offset < 0 ? nullptr : buffer_.data() + offset);
    }
    return result;
}

} // namespace jobsync
