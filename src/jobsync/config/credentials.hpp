// API keys from their sources, weakest first: the config file ([credentials],
// or a [[source]]'s own keys), the TENCENTCLOUD_* environment variables, and
// systemd credential files in $CREDENTIALS_DIRECTORY. Every value, whatever
// its source, passes one check, since it ends up in an HTTP header.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/config/toml_reader.hpp"

#include <string>
#include <string_view>

namespace jobsync {

// A character below 0x20, or DEL: in a header it would split or end it.
bool holds_control_character(std::string_view value);

// [credentials], then the environment, then $CREDENTIALS_DIRECTORY. Throws
// ConfigError naming the key, variable or file of a bad value (never the value).
Credentials load_global_credentials(const Section& root);

// A [[source]]'s own secret_id/secret_key/security_token, else `global`.
// Throws ConfigError when require_credentials and the source ends up without a pair.
Credentials resolve_source_credentials(const Section& section, const Credentials& global,
                                       const std::string& bucket, bool require_credentials);

} // namespace jobsync
