// The config file on disk: its text, and what its permissions let other
// local users do.
#pragma once

#include "jobsync/config/config.hpp"

#include <toml++/toml.h>

#include <string>

namespace jobsync {

// The whole file; ConfigError "cannot read config file '<path>': <reason>".
std::string read_config_file(const std::string& path);

// The file itself sets an API secret or a database password (not just their
// names in comments).
bool file_holds_secret(const toml::table& root, const DatabaseConfig& database);

// One warning when a file holding a secret is readable by group or others,
// one when the file is writable by group or others (whoever can write it can
// repoint an endpoint and collect signed requests, secret or not).
void warn_about_permissions(const std::string& path, bool holds_secret);

} // namespace jobsync
