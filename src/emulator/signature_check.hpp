// Verifies a request's COS/CI Authorization the way the service does: from
// the lists the client named, against the request as received.
#pragma once

#include "http_server/http_message.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/cos_signer.hpp"

#include <optional>
#include <string>

namespace jobsync::emulator {

using http::HttpRequest;

struct Rejection {
    int status = 403;
    std::string code, message;
};

struct Credentials {
    std::string secret_id, secret_key;
};

// nullopt when the request is properly signed and valid at `now`.
std::optional<Rejection> check_signature(const HttpRequest& request, const QueryParams& params,
                                         const Credentials& credentials, UnixSeconds now);

} // namespace jobsync::emulator
