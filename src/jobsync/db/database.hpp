// Connections: one per worker thread, search_path set to the configured schema.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/config/plain_identifier.hpp"

#include <pqxx/pqxx>

#include <memory>
#include <string>

namespace jobsync {

// Connects and sets search_path to the schema (created if missing).
// Throws ConfigError for a bad schema or a URL libpq would misread, RunError naming the
// host/port/database (never the password) when the server cannot be reached.
std::unique_ptr<pqxx::connection> open_connection(const DatabaseConfig& config);

// The libpq conninfo for config.url plus the [database] socket settings
// (connect_timeout, keepalives, tcp_user_timeout) it does not set itself.
std::string connection_string(const DatabaseConfig& config);

// The search_path for a plain identifier, "\"<schema>\", pg_catalog": the
// worker's schema first, pg_catalog last, public never.
std::string search_path_for(const std::string& schema);

// "host=... port=... dbname=..." of a connection string, without secrets: for messages.
std::string describe_connection_target(const std::string& url);

// Formats a PostgreSQL text[] literal ({"a","b"}) for an ANY($1) parameter.
std::string to_text_array_literal(const std::vector<std::string>& values);

} // namespace jobsync
