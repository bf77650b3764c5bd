#include "jobsync/parse/field_values.hpp"

#include <charconv>

namespace jobsync {

std::string quoted(std::string_view value)
{
    std::string out;
    out.reserve(value.size() + 2);
    out += '\'';
    out += value;
    out += '\'';
    return out;
}

void JobContext::warn(std::string_view field, std::string_view value, std::string_view problem)
{
    warnings.push_back(who() + ": " + std::string(field) + " " + quoted(value) + " " +
                       std::string(problem));
}

OptText JobContext::checked(OptText value, FieldType type, std::string_view path,
                            std::string_view field)
{
    if (!value || is_valid_number(*value, type)) {
        return value;
    }
    const char* problem = type == FieldType::integer ? "is not an integer" : "is not a number";
    warn(std::string(path) + std::string(field), *value, problem);
    return std::nullopt;
}

std::optional<long long> JobContext::integer(OptText value, std::string_view field)
{
    if (!value) {
        return std::nullopt;
    }
    long long number = 0;
    const char* end = value->data() + value->size();
    const auto [ptr, ec] = std::from_chars(value->data(), end, number);
    if (ec != std::errc() || ptr != end) {
        warn(field, *value, "is not an integer");
        return std::nullopt;
    }
    return number;
}

std::optional<UnixSeconds> JobContext::time(OptText value, std::string_view field)
{
    if (!value || *value == "-") {
        return std::nullopt;
    }
    const std::optional<UnixSeconds> instant = parse_api_time(*value);
    if (!instant) {
        warn(field, *value, "is not a valid time");
    }
    return instant;
}

bool is_valid_number(std::string_view number, FieldType type)
{
    if (type == FieldType::text) {
        return true;
    }
    std::size_t pos = 0;
    const auto digits = [&]() {
        const std::size_t start = pos;
        while (pos < number.size() && number[pos] >= '0' && number[pos] <= '9') {
            ++pos;
        }
        return pos - start;
    };
    const auto accept = [&](char a, char b) {
        if (pos < number.size() && (number[pos] == a || number[pos] == b)) {
            ++pos;
            return true;
        }
        return false;
    };
    accept('+', '-');
    const std::size_t int_digits = digits();
    if (type == FieldType::integer) {
        return int_digits > 0 && pos == number.size();
    }
    const std::size_t frac_digits = accept('.', '.') ? digits() : 0;
    if (int_digits + frac_digits == 0) {
        return false;
    }
    if (accept('e', 'E')) {
        accept('+', '-');
        if (digits() == 0) {
            return false;
        }
    }
    return pos == number.size();
}

} // namespace jobsync
