#include "jobsync/db/database.hpp"

#include "jobsync/config/database_url.hpp"
#include "jobsync/core/errors.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace jobsync {
namespace {

// A value from the parsed connection string, else its PG* default.
std::string conninfo_value(PQconninfoOption* options, const char* keyword, const char* env,
                           const char* fallback)
{
    for (PQconninfoOption* option = options; option != nullptr && option->keyword != nullptr;
         ++option) {
        if (std::string(option->keyword) == keyword && option->val != nullptr &&
            *option->val != '\0') {
            return option->val;
        }
    }
    const char* from_env = std::getenv(env);
    return from_env != nullptr && *from_env != '\0' ? from_env : fallback;
}

// Keepalive probes after keepalive_idle: this many, this far apart.
constexpr long kKeepaliveIntervalSeconds = 10;
constexpr int kKeepaliveCount = 3;

std::string conninfo_quoted(const std::string& value)
{
    std::string quoted = "'";
    for (const char c : value) {
        if (c == '\\' || c == '\'') {
            quoted += '\\';
        }
        quoted += c;
    }
    return quoted + "'";
}

} // namespace

std::string connection_string(const DatabaseConfig& config)
{
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(config.url.c_str(), &error), &PQconninfoFree);
    if (error != nullptr) {
        PQfreemem(error); // may quote the URL
    }
    if (!options) {
        throw ConfigError("database.url cannot be parsed (the URL is not shown)");
    }
    // What the URL sets is kept as written; the [database] socket settings
    // fill in what it leaves out (the PG* environment still applies after).
    std::vector<std::pair<std::string, std::string>> defaults{
        {"connect_timeout", std::to_string(config.connect_timeout_seconds)},
        {"keepalives", "1"},
        {"keepalives_idle", std::to_string(config.keepalive_idle_seconds)},
        {"keepalives_interval",
         std::to_string(std::min(kKeepaliveIntervalSeconds, config.keepalive_idle_seconds))},
        {"keepalives_count", std::to_string(kKeepaliveCount)},
        {"tcp_user_timeout", std::to_string(config.tcp_user_timeout_seconds * 1000)},
    };
    std::string conninfo;
    for (PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val == nullptr) {
            continue;
        }
        const std::string keyword = option->keyword;
        defaults.erase(std::remove_if(defaults.begin(), defaults.end(),
                                      [&](const auto& d) { return d.first == keyword; }),
                       defaults.end());
        conninfo += keyword + "=" + conninfo_quoted(option->val) + " ";
    }
    for (const auto& [keyword, value] : defaults) {
        conninfo += keyword + "=" + value + " ";
    }
    return conninfo;
}

std::string describe_connection_target(const std::string& url)
{
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
    if (error != nullptr) {
        PQfreemem(error);
    }
    if (!options) {
        return "an unparseable database.url";
    }
    return "host=" + conninfo_value(options.get(), "host", "PGHOST", "/var/run/postgresql") +
           " port=" + conninfo_value(options.get(), "port", "PGPORT", "5432") +
           " dbname=" + conninfo_value(options.get(), "dbname", "PGDATABASE", "(user name)") +
           " user=" + conninfo_value(options.get(), "user", "PGUSER", "(login name)");
}

std::string search_path_for(const std::string& schema)
{
    // The schema is a validated identifier, so it can be spliced in safely.
    // pg_catalog last and public not at all: any role that can create objects
    // in public could otherwise shadow a function or table the worker uses.
    return "\"" + schema + "\", pg_catalog";
}

std::unique_ptr<pqxx::connection> open_connection(const DatabaseConfig& config)
{
    if (!is_plain_identifier(config.schema)) {
        throw ConfigError("database.schema '" + config.schema + "' is not a plain identifier");
    }
    // Also for a config not read from a file: libpq's messages about a URL it
    // misreads would quote the password, and so would the target described below.
    if (const std::optional<std::string> problem = database_url_problem(config.url)) {
        throw ConfigError("database.url has " + *problem + " (the URL is not shown)");
    }
    std::unique_ptr<pqxx::connection> conn;
    try {
        conn = std::make_unique<pqxx::connection>(connection_string(config));
    } catch (const pqxx::broken_connection& e) {
        std::string reason = e.what();
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        // libpq names the user from the password database; a systemd
        // DynamicUser= is only there through nss-systemd.
        if (reason.find("local user with ID") != std::string::npos) {
            reason += " (under systemd's DynamicUser=, install libnss-systemd, or set the user in "
                      "database.url)";
        }
        throw RunError("cannot connect to PostgreSQL (" + describe_connection_target(config.url) +
                       "): " + reason);
    } catch (const pqxx::failure& e) {
        throw RunError("cannot connect to PostgreSQL (" + describe_connection_target(config.url) +
                       "): " + e.what());
    }
    pqxx::nontransaction setup(*conn);
    setup.exec("SET search_path TO " + search_path_for(config.schema));
    setup.exec("SET application_name TO 'ci-jobsync'");
    // A statement waiting on another session's lock (a BI session's LOCK
    // TABLE) ends with 55P03, which db_retry's perform logs and redoes; a
    // transaction left open by a hung worker frees its locks.
    setup.exec("SET lock_timeout TO '" + std::to_string(config.lock_timeout_seconds) + "s'");
    setup.exec("SET idle_in_transaction_session_timeout TO '" +
               std::to_string(config.idle_in_transaction_timeout_seconds) + "s'");
    return conn;
}

std::string to_text_array_literal(const std::vector<std::string>& values)
{
    std::string literal = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            literal += ',';
        }
        literal += '"';
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') {
                literal += '\\';
            }
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return literal;
}

} // namespace jobsync
