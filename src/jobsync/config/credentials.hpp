// API keys from their sources, weakest first: the config file ([credentials],
// or a [[source]]'s own keys), the TENCENTCLOUD_* environment variables, and
// systemd credential files in $CREDENTIALS_DIRECTORY. Every value, whatever
// its source, passes one check, since it ends up in an HTTP header.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/config/toml_reader.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

// A character below 0x20, or DEL: in a header it would split or end it.
bool holds_control_character(std::string_view value);

// A string value that must not hold control characters (a secret); nullopt when absent.
std::optional<std::string> read_secret(const Section& section, std::string_view key);

// [credentials], then the environment, then $CREDENTIALS_DIRECTORY. Throws
// ConfigError naming the key, variable or file of a bad value (never the value).
Credentials load_global_credentials(const Section& root);

// A [[source]]'s own secret_id/secret_key/security_token, else `global`.
// Throws ConfigError when require_credentials and the source ends up without a pair.
Credentials resolve_source_credentials(const Section& section, const Credentials& global,
                                       const std::string& bucket, bool require_credentials);

// A secret that is not an API key (the listener's token): `configured` (from
// the file, already checked), then environment variable `variable`, then the
// file `credential_file` in $CREDENTIALS_DIRECTORY. Same checks as the keys.
std::string resolve_secret(std::string configured, const char* variable,
                           const char* credential_file);

} // namespace jobsync
