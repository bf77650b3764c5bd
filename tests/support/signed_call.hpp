// A GET to the emulator signed by the worker's signer, described by what it
// sends and what its signature covers (to test lenient and strict signing).
#pragma once

#include "jobsync/api/http_client.hpp"
#include "jobsync/core/cos_signer.hpp"

#include <string>

namespace testing {

struct SignedCall {
    std::string path = "/jobs";
    jobsync::QueryParams params{{"tag", "Transcode"}};
    std::string host;                     // "" => 127.0.0.1:<port>
    bool sign_host = true;                // host in q-header-list
    bool sign_params = true;              // every parameter in q-url-param-list
    jobsync::HeaderList signed_headers;   // sent and in q-header-list
    jobsync::HeaderList unsigned_headers; // sent only
    std::string signed_path;              // "" => path
    std::string key_time;                 // "" => the machine's now-60 .. now+3600
    std::string secret_id = "AKIDemulator";
    std::string secret_key = "emulator-secret-key";
};

// Sends the call to 127.0.0.1:port; any status is returned.
jobsync::HttpResponse send_signed(int port, const SignedCall& call);

} // namespace testing
