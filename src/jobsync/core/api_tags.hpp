// The job tags DescribeMediaJobs documents: the default for a source without
// `tags`, and what the emulator accepts.
#pragma once

#include <string>
#include <vector>

namespace jobsync {

// Every tag on the API page, in the page's order.
const std::vector<std::string>& all_api_tags();

} // namespace jobsync
