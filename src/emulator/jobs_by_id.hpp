// GET /jobs/<jobId>,<jobId>,... (DescribeMediaJob): the jobs asked for by id.
#pragma once

#include "emulator/api_rules.hpp"
#include "emulator/dataset.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobsync::emulator {

constexpr std::size_t kMaxJobIdsPerRequest = 10;

// For a path "/jobs/<ids>": fills body with a <Response> holding one
// JobsDetail per found job (as the list serves it, in the order asked) and
// NonExistJobIds for the unknown ones (absent when every id exists). Returns
// the 400 InvalidArgument instead for an empty id or more than 10 ids.
std::optional<Rejection> describe_jobs_by_id(std::string_view path, const Dataset& dataset,
                                             NonExistStyle style, std::string& body);

} // namespace jobsync::emulator
