// Verifies a request's COS/CI Authorization the way the service does: from
// the lists the client named, against the request as received; and the
// security token that temporary credentials carry.
#pragma once

#include "emulator/api_rules.hpp"
#include "emulator/http_message.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/cos_signer.hpp"

#include <optional>
#include <string>

namespace jobsync::emulator {

struct Credentials {
    std::string secret_id, secret_key;
    // Non-empty: every request carries it in x-ci-security-token or
    // x-cos-security-token. It is signed only when q-header-list names it
    // (NODE and JAVA add it after signing).
    std::string security_token;
};

// nullopt when the request is properly signed, valid at `now` and carries
// the security token; rules.strict_signing decides what must be signed.
std::optional<Rejection> check_signature(const HttpRequest& request, const QueryParams& params,
                                         const Credentials& credentials, const ApiRules& rules,
                                         UnixSeconds now);

} // namespace jobsync::emulator
