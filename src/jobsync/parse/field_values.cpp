#include "jobsync/parse/field_values.hpp"

#include "jobsync/core/utf8.hpp"
#include "jobsync/xml/xml_chars.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace jobsync {

namespace {

// Values in messages: enough to recognise, never a 10 KB blob.
constexpr std::size_t kShownBytes = 64;

// An indexed text column (queue_id, output_files.object_name) holds at most
// this: a btree row is capped at about 2.7 kB.
constexpr std::size_t kMaxIndexedBytes = 1024;

// numeric's limits (PostgreSQL documentation, "Arbitrary Precision Numbers").
constexpr long kMaxNumericIntegerDigits = 131072;
constexpr long kMaxNumericScale = 16383;

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr UnixSeconds kFirstStorable = -62135596800;
constexpr UnixSeconds kLastStorable = 253402300799;

const char* integer_problem(std::string_view text, FieldType type)
{
    const std::string_view digits =
        !text.empty() && (text[0] == '+' || text[0] == '-') ? text.substr(1) : text;
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return "is not an integer";
    }
    std::int64_t number = 0;
    // from_chars takes a '-' but no '+'.
    const std::string_view signed_digits = text[0] == '+' ? digits : text;
    const char* end = signed_digits.data() + signed_digits.size();
    if (std::from_chars(signed_digits.data(), end, number).ec != std::errc()) {
        return "is out of range for int8";
    }
    if (type == FieldType::integer && (number < std::numeric_limits<std::int32_t>::min() ||
                                       number > std::numeric_limits<std::int32_t>::max())) {
        return "is out of range for int4";
    }
    return nullptr;
}

const char* decimal_problem(std::string_view number)
{
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
    const std::size_t int_start = pos;
    const std::size_t int_digits = digits();
    std::size_t leading_zeros = 0;
    while (leading_zeros < int_digits && number[int_start + leading_zeros] == '0') {
        ++leading_zeros;
    }
    const std::size_t frac_digits = accept('.', '.') ? digits() : 0;
    if (int_digits + frac_digits == 0) {
        return "is not a number";
    }
    long exponent = 0;
    if (accept('e', 'E')) {
        const bool negative = pos < number.size() && number[pos] == '-';
        accept('+', '-');
        const std::size_t exp_start = pos;
        const std::size_t exp_digits = digits();
        if (exp_digits == 0) {
            return "is not a number";
        }
        if (exp_digits > 9) {
            return pos == number.size() ? "overflows numeric" : "is not a number";
        }
        std::from_chars(number.data() + exp_start, number.data() + pos, exponent);
        exponent = negative ? -exponent : exponent;
    }
    if (pos != number.size()) {
        return "is not a number";
    }
    const long significant = static_cast<long>(int_digits - leading_zeros);
    if ((significant > 0 && significant + exponent > kMaxNumericIntegerDigits) ||
        static_cast<long>(frac_digits) - exponent > kMaxNumericScale) {
        return "overflows numeric";
    }
    return nullptr;
}

} // namespace

const char* value_problem(std::string_view text, FieldType type)
{
    switch (type) {
    case FieldType::text:
        return is_valid_utf8(text) ? nullptr : "is not valid UTF-8";
    case FieldType::integer:
    case FieldType::big_integer:
        return integer_problem(text, type);
    case FieldType::decimal:
        return decimal_problem(text);
    }
    return nullptr;
}

bool is_storable_time(UnixSeconds instant)
{
    return instant >= kFirstStorable && instant <= kLastStorable;
}

std::string quoted(std::string_view value)
{
    return "'" + xml::printable(value, kShownBytes) + "'";
}

std::string JobContext::who() const
{
    return std::string(id_element) + " " + xml::printable(job_id, kShownBytes);
}

std::optional<std::string_view> JobContext::decoded(const xml::Node* node)
{
    try {
        return reader.text(node);
    } catch (const rapidxml::parse_error&) {
        return std::nullopt;
    }
}

std::string_view JobContext::text(const xml::Node* node)
{
    const std::optional<std::string_view> decoded_value = decoded(node);
    if (!decoded_value) {
        warn(xml::name_of(node), {node->value(), node->value_size()},
             "has a bad character reference");
        return {};
    }
    const std::string_view value = *decoded_value;
    if (!is_valid_utf8(value)) {
        warn(xml::name_of(node), value, "is not valid UTF-8");
        return {};
    }
    return value;
}

OptText JobContext::child_text(const xml::Node* parent, std::string_view name)
{
    const std::string_view value = text(xml::child(parent, name));
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

void JobContext::add_warning(WarningOutcome outcome, std::string field, std::string message)
{
    warnings.push_back({outcome, job_id.empty() ? "" : xml::printable(job_id, kShownBytes),
                        position, std::move(field), std::move(message)});
}

void JobContext::warn(std::string_view field, std::string_view value, std::string_view problem)
{
    add_warning(WarningOutcome::stored_as_null, std::string(field),
                who() + ": " + std::string(field) + " " + quoted(value) + " " +
                    std::string(problem));
}

OptText JobContext::checked(OptText value, FieldType type, std::string_view path,
                            std::string_view field)
{
    if (!value) {
        return value;
    }
    const char* problem = value_problem(*value, type);
    if (problem == nullptr) {
        return value;
    }
    warn(std::string(path) + std::string(field), *value, problem);
    return std::nullopt;
}

OptText JobContext::indexed(OptText value, std::string_view field)
{
    if (value && value->size() > kMaxIndexedBytes) {
        warn(field, *value,
             "is longer than " + std::to_string(kMaxIndexedBytes) + " bytes (an indexed column)");
        return std::nullopt;
    }
    return value;
}

std::optional<long long> JobContext::integer(OptText value, std::string_view field)
{
    value = checked(value, FieldType::integer, "", field);
    if (!value) {
        return std::nullopt;
    }
    long long number = 0;
    const std::string_view digits = (*value)[0] == '+' ? value->substr(1) : *value;
    std::from_chars(digits.data(), digits.data() + digits.size(), number);
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
        return std::nullopt;
    }
    if (!is_storable_time(*instant)) {
        warn(field, *value, "is outside the years 1 to 9999");
        return std::nullopt;
    }
    return instant;
}

} // namespace jobsync
