// A job's required fields (JobId, Tag, CreationTime): without a storable
// value for each, the job cannot land in jobs and is rejected instead.
#pragma once

#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

// Why a job cannot be stored: the required field at fault and a sentence.
struct Rejection {
    std::string field;  // "JobId", "Tag" or "CreationTime"
    std::string reason; // "JobsDetail #3 has no JobId"
};

// Why a key column cannot take the id of the position-th item_element
// ("WorkflowExecutionList #2 has no RunId"); nullopt when it can.
std::optional<Rejection> id_problem(std::string_view item_element, std::string_view id_element,
                                    std::string_view id, std::size_t position);

// Why jobs cannot take this JobId ("JobsDetail #3 has no JobId", "... is
// longer than 128 bytes", "... is not valid UTF-8"); nullopt when it can.
std::optional<Rejection> job_id_problem(std::string_view job_id, std::size_t position);

// Reads Tag and CreationTime into job; returns why the job must be
// rejected, or nullopt.
std::optional<Rejection> read_required(JobContext& ctx, const xml::Node* detail, JobRecord& job);

} // namespace jobsync
