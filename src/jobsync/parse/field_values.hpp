// Reading one job's field values: their text, their validation against the
// column types they land in, and the warnings for those that fail.
#pragma once

#include "jobsync/core/api_time.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// Validates a numeric field's text for its FieldType (integer: optional sign
// and digits; decimal: also a fraction and exponent). Text always passes.
bool is_valid_number(std::string_view text, FieldType type);

// value in single quotes, for messages.
std::string quoted(std::string_view value);

// Reading one job: its fields' text, warnings and error messages.
struct JobContext {
    xml::TextReader& reader;
    std::vector<std::string>& warnings;
    std::string_view job_id;
    std::size_t position; // 1-based among the page's JobsDetail elements

    std::string who() const { return "JobId " + std::string(job_id); }

    std::string_view text(const xml::Node* node) { return reader.text(node); }
    OptText child_text(const xml::Node* parent, std::string_view name)
    {
        return reader.child_text(parent, name);
    }

    void warn(std::string_view field, std::string_view value, std::string_view problem);

    // The value when it is valid for its type; otherwise nullopt and a warning.
    OptText checked(OptText value, FieldType type, std::string_view path, std::string_view field);

    std::optional<long long> integer(OptText value, std::string_view field);

    // StartTime/EndTime: "-" or empty mean "not yet", anything else must parse.
    std::optional<UnixSeconds> time(OptText value, std::string_view field);
};

} // namespace jobsync
