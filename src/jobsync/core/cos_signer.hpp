// The COS/CI request signature (q-sign-algorithm=sha1), HMAC-SHA1 via OpenSSL.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace jobsync {

using QueryParams = std::vector<std::pair<std::string, std::string>>; // raw (decoded) name, value
using HeaderList = std::vector<std::pair<std::string, std::string>>;  // raw name, value

struct SigningRequest {
    std::string method; // any case; lowercased in the HttpString
    std::string path;   // decoded URI path, e.g. "/jobs"
    QueryParams query;  // every query parameter is signed
    HeaderList headers; // candidates; only signable ones are signed (see is_signable_header)
};

// Headers the COS family signs: host, content-type, content-length, content-md5,
// and similar standard ones, plus any name starting with x-cos- or x-ci-.
// Others (User-Agent, Accept, ...) are not signed. Case-insensitive.
bool is_signable_header(const std::string& name);

// Builds the Authorization header value. key_time is "<start>;<end>" Unix seconds.
std::string sign_request(const SigningRequest& request, const std::string& secret_id,
                         const std::string& secret_key, const std::string& key_time);

// Parts of an Authorization header value, for the emulator's verification.
struct ParsedAuthorization {
    std::string algorithm, access_key, sign_time, key_time, header_list, url_param_list, signature;
};
// Returns false when a required q- field is missing.
bool parse_authorization(const std::string& value, ParsedAuthorization& out);

// Recomputes the signature the way a server does: from the lists named in the
// header (header_list / url_param_list, ';'-separated lowercase names), using
// the request's actual headers and query. Returns the hex signature, or ""
// when a listed header or parameter is absent from the request.
std::string compute_signature_for_lists(const SigningRequest& request,
                                        const std::string& header_list,
                                        const std::string& url_param_list,
                                        const std::string& secret_key, const std::string& key_time);

// Lowercase hex of HMAC-SHA1 and SHA-1 (OpenSSL); exposed for tests and hashing.
std::string hmac_sha1_hex(const std::string& key, const std::string& message);
std::string sha1_hex(std::string_view data);

} // namespace jobsync
