// Fuzz target: parse_error_body (a 4xx/5xx body) on any bytes.
#include "jobsync/api/error_body.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    jobsync::ServiceErrorDetails details;
    try {
        jobsync::parse_error_body(std::string(reinterpret_cast<const char*>(data), size), details);
    } catch (const jobsync::PartitionError&) {
        // a body over the XML limits
    }
    return 0;
}
