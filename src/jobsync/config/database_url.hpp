// database.url, a libpq URI or conninfo string, checked before libpq reads it:
// libpq misreads a URI whose password holds an unencoded '@' or '/' (part of
// the password then becomes the host or the port) and quotes the bad part in
// its messages, so such a URL would put its password in errors.
#pragma once

#include <optional>
#include <string>

namespace jobsync {

// Why libpq would not read the URL as written, in words that quote none of
// it; nullopt when it is fine.
std::optional<std::string> database_url_problem(const std::string& url);

// A password in a URI's user info or in a password= parameter.
bool database_url_holds_password(const std::string& url);

} // namespace jobsync
