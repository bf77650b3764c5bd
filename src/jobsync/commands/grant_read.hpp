// `grant-read ROLE`: read-only access to the synced tables and views for BI tools.
#pragma once

#include "jobsync/config/config.hpp"

#include <string>

namespace jobsync {

// Grants USAGE on the schema and SELECT on every table and view in it (and
// on future ones) to an existing role. Throws ConfigError for a role name that
// is not a plain identifier, RunError when the role does not exist.
void grant_read_access(const Config& config, const std::string& role);

} // namespace jobsync
