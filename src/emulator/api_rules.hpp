// How strictly the emulated API judges a request, beyond the signature
// itself, and the CI error it answers a refused request with.
#pragma once

#include <string>

namespace jobsync::emulator {

// The shape of <NonExistJobIds> in GET /jobs/<ids>: the service's examples
// show one comma-joined element; SDK models read a list, so both are served.
enum class NonExistStyle { joined, repeated };

struct ApiRules {
    // Off (the default): host and query parameters may be left out of
    // q-header-list / q-url-param-list, as the API page's own example does;
    // the signature then covers what the lists name. On: both must be signed.
    bool strict_signing = false;
    // On: startCreationTime/endCreationTime only as %Y-%m-%dT%H:%M:%S%z.
    bool strict_times = false;
    // Non-empty: Host must be <bucket>.ci.<region>.myqcloud.com (or a
    // loopback address, which is what a worker with an endpoint override sends).
    std::string bucket;
    std::string region;
    NonExistStyle nonexist_style = NonExistStyle::joined;
};

struct Rejection {
    int status = 403;
    std::string code, message;
};

} // namespace jobsync::emulator
