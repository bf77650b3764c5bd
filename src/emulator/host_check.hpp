// The Host a request names, checked against the bucket the emulator plays.
#pragma once

#include "emulator/api_rules.hpp"
#include "http_server/http_message.hpp"

#include <optional>

namespace jobsync::emulator {

using http::HttpRequest;

// nullopt when rules.bucket is empty (no check), or when Host (any port
// aside) is <bucket>.ci.<region>.myqcloud.com, or a loopback address: the
// authority of an endpoint like http://127.0.0.1:PORT, which the worker
// sends as Host when its config sets `endpoint`.
std::optional<Rejection> check_host(const HttpRequest& request, const ApiRules& rules);

} // namespace jobsync::emulator
