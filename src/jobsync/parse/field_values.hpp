// Reading one job's field values: their text, their validation against the
// column types they land in, and the warnings for those that fail.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/parse/page_warning.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// Why text cannot be stored in a column of FieldType ("is not an integer",
// "is out of range for int4", "overflows numeric", ...); nullptr when it can.
// integer: optional sign and digits in the int4 range; big_integer: in the
// int8 range; decimal: also a fraction and exponent, within what numeric
// holds (131072 digits before the point, 16383 after); text: valid UTF-8.
const char* value_problem(std::string_view text, FieldType type);

// True when value_problem finds none.
inline bool is_valid_number(std::string_view text, FieldType type)
{
    return value_problem(text, type) == nullptr;
}

// True when instant falls in the years 1 to 9999 (UTC), which timestamptz
// parameters in ISO form can carry.
bool is_storable_time(UnixSeconds instant);

// value shortened and made printable, in single quotes, for messages.
std::string quoted(std::string_view value);

// Reading one job: its fields' text, warnings and error messages.
struct JobContext {
    xml::TextReader& reader;
    std::vector<PageWarning>& warnings;
    std::string_view job_id;
    std::size_t position;                  // 1-based among the page's JobsDetail elements
    std::string_view id_element = "JobId"; // how who() names the record ("RunId" for a run)

    std::string who() const;

    // The element's text, entities decoded; nullopt when a character
    // reference in it is bad ("&#0;", "&#65" without ';'): a field, unlike the
    // page, can do without it.
    std::optional<std::string_view> decoded(const xml::Node* node);

    // The element's text when it decodes and is valid UTF-8; otherwise "" and
    // a warning.
    std::string_view text(const xml::Node* node);
    OptText child_text(const xml::Node* parent, std::string_view name);

    // A warning about this job: its id and position filled in.
    void add_warning(WarningOutcome outcome, std::string field, std::string message);

    // An optional field that becomes NULL: "JobId j1: <field> '<value>' <problem>".
    void warn(std::string_view field, std::string_view value, std::string_view problem);

    // The value when it is valid for its type; otherwise nullopt and a warning.
    OptText checked(OptText value, FieldType type, std::string_view path, std::string_view field);

    // The value when it fits an indexed text column; otherwise nullopt and a warning.
    OptText indexed(OptText value, std::string_view field);

    // An int4 field (Progress, JobLevel).
    std::optional<long long> integer(OptText value, std::string_view field);

    // StartTime/EndTime: "-" or empty mean "not yet", anything else must parse.
    std::optional<UnixSeconds> time(OptText value, std::string_view field);
};

} // namespace jobsync
