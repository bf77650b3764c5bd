// GET /jobs parameters, validated the way the service validates them.
#pragma once

#include "emulator/dataset.hpp"
#include "emulator/listing_request.hpp"
#include "jobsync/core/cos_signer.hpp"

#include <optional>
#include <string>

namespace jobsync::emulator {

// Fills `out`; returns the InvalidArgument message when a parameter is bad.
// strict_times: creation-time bounds only in the documented
// %Y-%m-%dT%H:%M:%S%z (e.g. +0800); otherwise also +08:00, Z, a space for T
// and fractional seconds.
std::optional<std::string> parse_jobs_request(const QueryParams& params, const Dataset& dataset,
                                              bool strict_times, ListingRequest& out);

// Tags the service knows (DescribeMediaJobs docs); a tag outside this list
// and absent from the dataset is rejected.
bool is_documented_tag(const std::string& tag);

} // namespace jobsync::emulator
