// GET /jobs/<jobId>,<jobId>,... (DescribeMediaJob): the jobs asked for by id.
#pragma once

#include "emulator/api_rules.hpp"
#include "emulator/dataset.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync::emulator {

constexpr std::size_t kMaxJobIdsPerRequest = 10;

// For a path "/jobs/<ids>": fills body with a <Response> holding one
// JobsDetail per found job (as the list serves it, in the order asked) and
// NonExistJobIds for the unknown ones (absent when every id exists). Returns
// the 400 InvalidArgument instead for an empty id, more than 10 ids, or an id
// of `refused_ids` (an injected fault).
std::optional<Rejection> describe_jobs_by_id(std::string_view path, const Dataset& dataset,
                                             NonExistStyle style,
                                             const std::vector<std::string>& refused_ids,
                                             std::string& body);

} // namespace jobsync::emulator
