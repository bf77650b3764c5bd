// The Host a request names, checked against the bucket the emulator plays.
#pragma once

#include "emulator/api_rules.hpp"
#include "http_server/http_message.hpp"

#include <optional>
#include <string>

namespace jobsync::emulator {

using http::HttpRequest;

// nullopt when rules.bucket is empty (no check), or when Host (any port
// aside) is <bucket>.ci.<region>.myqcloud.com, or a loopback address: the
// authority of an endpoint like http://127.0.0.1:PORT, which the worker
// sends as Host when its config sets `endpoint`.
std::optional<Rejection> check_host(const HttpRequest& request, const ApiRules& rules);

// The bucket and region of a COS object host, <bucket>.cos.<region>.myqcloud.com.
struct CosHost {
    std::string bucket, region;
};

// The request's Host (any port aside) as a COS object host; nullopt when it is
// another host (the CI host, a loopback address).
std::optional<CosHost> cos_host_of(const HttpRequest& request);

} // namespace jobsync::emulator
