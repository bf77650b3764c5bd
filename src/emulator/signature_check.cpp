#include "emulator/signature_check.hpp"

#include "emulator/query_params.hpp"
#include "jobsync/core/url_encode.hpp"

#include <algorithm>
#include <cctype>

namespace jobsync::emulator {
namespace {

constexpr UnixSeconds kAllowedSkew = 300; // a client clock up to 5 min behind still works
const char* const kMismatch = "The Signature you specified is invalid.";

std::string lowercase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool parse_seconds(const std::string& text, UnixSeconds& value)
{
    if (text.empty() || text.size() > 12 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    value = std::stoll(text);
    return true;
}

bool parse_key_time(const std::string& key_time, UnixSeconds& start, UnixSeconds& end)
{
    const auto semicolon = key_time.find(';');
    return semicolon != std::string::npos && parse_seconds(key_time.substr(0, semicolon), start) &&
           parse_seconds(key_time.substr(semicolon + 1), end) && start <= end;
}

Rejection mismatch(const std::string& detail)
{
    return {403, "SignatureDoesNotMatch", detail.empty() ? kMismatch : kMismatch + (" " + detail)};
}

// Strict signing: every query parameter must be signed; one missing from
// the list means the client's canonical request differs from the one received.
std::optional<std::string> unlisted_param(const QueryParams& params, const std::string& list)
{
    const std::vector<std::string> listed = split_list(list, ';');
    for (const auto& param : params) {
        const std::string key = lowercase(url_encode(param.first));
        if (std::find(listed.begin(), listed.end(), key) == listed.end()) {
            return key;
        }
    }
    return std::nullopt;
}

// Every token header sent must hold the token, and at least one must be sent.
// The messages never echo a token.
std::optional<Rejection> check_security_token(const HttpRequest& request,
                                              const std::string& expected)
{
    bool carried = false;
    for (const auto& [name, value] : request.headers) {
        if (!http::iequals(name, "x-ci-security-token") &&
            !http::iequals(name, "x-cos-security-token")) {
            continue;
        }
        if (value != expected) {
            return Rejection{403, "InvalidAccessKeyId",
                             "The security token in " + lowercase(name) + " is invalid."};
        }
        carried = true;
    }
    if (!carried) {
        return Rejection{403, "InvalidAccessKeyId",
                         "These credentials need a security token: send it in "
                         "x-ci-security-token or x-cos-security-token."};
    }
    return std::nullopt;
}

} // namespace

std::optional<Rejection> check_signature(const HttpRequest& request, const QueryParams& params,
                                         const Credentials& credentials, const ApiRules& rules,
                                         UnixSeconds now)
{
    const auto authorization = request.header("Authorization");
    if (!authorization || authorization->empty()) {
        return Rejection{403, "AccessDenied",
                         "Access Denied. The Authorization header is missing."};
    }
    ParsedAuthorization parsed;
    if (!parse_authorization(*authorization, parsed) || parsed.algorithm != "sha1") {
        return Rejection{403, "AccessDenied",
                         "Access Denied. The Authorization header is malformed."};
    }
    if (parsed.access_key != credentials.secret_id) {
        return Rejection{403, "InvalidAccessKeyId",
                         "The Access Key Id you provided does not exist in our records."};
    }
    if (!credentials.security_token.empty()) {
        if (auto rejection = check_security_token(request, credentials.security_token)) {
            return rejection;
        }
    }
    UnixSeconds start = 0;
    UnixSeconds end = 0;
    if (!parse_key_time(parsed.key_time, start, end)) {
        return Rejection{403, "AccessDenied", "Access Denied. q-key-time is malformed."};
    }
    if (now > end) {
        return Rejection{403, "AccessDenied", "Request has expired"};
    }
    if (now + kAllowedSkew < start) {
        return Rejection{403, "RequestTimeTooSkewed",
                         "The difference between the request time and the server's time is "
                         "too large."};
    }
    if (rules.strict_signing) {
        const std::vector<std::string> headers = split_list(parsed.header_list, ';');
        if (std::find(headers.begin(), headers.end(), "host") == headers.end()) {
            return mismatch("(strict signing: q-header-list must include host)");
        }
        if (const auto key = unlisted_param(params, parsed.url_param_list)) {
            return mismatch("(strict signing: q-url-param-list omits " + *key + ")");
        }
    }
    SigningRequest signing;
    signing.method = request.method;
    signing.path = request.path;
    signing.query = params;
    signing.headers = request.headers;
    const std::string expected =
        compute_signature_for_lists(signing, parsed.header_list, parsed.url_param_list,
                                    credentials.secret_key, parsed.key_time);
    if (expected.empty()) {
        return mismatch("(a listed header or parameter is absent)");
    }
    if (expected != lowercase(parsed.signature)) {
        return mismatch("");
    }
    return std::nullopt;
}

} // namespace jobsync::emulator
