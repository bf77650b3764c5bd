// Names spliced into SQL unquoted-safe: the schema and grant-read's role.
#pragma once

#include <string>

namespace jobsync {

// True for [a-z_][a-z0-9_]{0,62}: the only schema and role names accepted.
bool is_plain_identifier(const std::string& name);

} // namespace jobsync
