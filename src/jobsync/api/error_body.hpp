// What a non-200 CI answer says: the <Error> body, the headers that matter
// for retrying, and how the client should react to it.
#pragma once

#include "jobsync/api/http_client.hpp"
#include "jobsync/core/errors.hpp"

#include <string>

namespace jobsync {

// Parses a CI error body (<Error><Code/><Message/><RequestId/></Error>).
// Returns false when the body is not such XML (HTML from a proxy, empty, JSON).
bool parse_error_body(const std::string& body, ServiceErrorDetails& out);

// The first bytes of a body that is not a CI error document, made printable.
std::string body_excerpt(const std::string& body);

// A header's value; "" when the response has none (names are lowercase).
std::string header_or_empty(const HttpResponse& response, const std::string& name);

// Status, Code, Message and RequestId (from the body, else x-ci-request-id);
// a body that is not a CI error is described by its content type and excerpt.
ServiceErrorDetails error_details(const HttpResponse& response);

// The signature was refused for its time: re-signing with the server's clock helps.
bool is_clock_error(const ServiceErrorDetails& details);

// Seconds from a Retry-After header of delta-seconds; -1 when absent or not a number.
long parse_retry_after(const HttpResponse& response);

} // namespace jobsync
