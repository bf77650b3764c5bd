// Helpers shared by the test_jobs_page*.cpp files: fields as printable
// strings, minimal job bodies, and the error a body raises.
#pragma once

#include "jobsync/parse/jobs_page.hpp"

#include <string>
#include <string_view>

namespace jobs_page_test {

// Optional text as a plain string, so failures print the value.
std::string show(jobsync::OptText value);

// A stream's or the job's MediaInfo format value, by column name.
std::string stream_column(const jobsync::MediaStream& stream, std::string_view name);
std::string format_column(const jobsync::JobRecord& job, std::string_view name);

// A minimal valid job around extra JobsDetail children.
std::string job_xml(const std::string& id, const std::string& extra = "");

std::string response(const std::string& inner);

// Whether a view points into the page's own body.
bool raw_contains(const jobsync::JobsPage& page, std::string_view view);

// The reason of the one job the page rejects ("" when it rejects none).
std::string rejection(const std::string& body);

// The message of the RetryableError / PartitionError the body raises.
std::string retryable_message(const std::string& body);
std::string partition_message(const std::string& body);

} // namespace jobs_page_test
