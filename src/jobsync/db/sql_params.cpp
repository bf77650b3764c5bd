#include "jobsync/db/sql_params.hpp"

#include <cassert>

namespace jobsync {

void SqlParams::add(std::string_view value)
{
    // Checked where the text comes from, once per page, not once per value
    // here (it was 4 % of the worker's CPU).
    assert(value.find('\0') == std::string_view::npos);
    values_.emplace_back(value);
}

void SqlParams::add_nullable(const std::optional<std::string_view>& value)
{
    if (value) {
        add(*value);
    } else {
        add_null();
    }
}

void SqlParams::add_computed(std::string value)
{
    add(computed_.emplace_back(std::move(value)));
}

void SqlParams::add_null()
{
    values_.emplace_back(std::nullopt);
}

void SqlParams::clear()
{
    values_.clear();
    computed_.clear();
}

} // namespace jobsync
