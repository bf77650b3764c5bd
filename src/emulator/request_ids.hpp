// x-ci-request-id and TraceId values: unique per response, base64 text
// shaped like the service's (base64 of "<hex time>_<hex>_<hex>_<hex>").
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace jobsync::emulator {

std::string base64_encode(const std::string& bytes);

class RequestIds {
public:
    RequestIds();
    std::string next_request_id();
    std::string trace_id_for(const std::string& request_id) const;

private:
    std::uint64_t instance_; // distinguishes servers started in the same second
    std::atomic<std::uint64_t> counter_{0};
};

} // namespace jobsync::emulator
