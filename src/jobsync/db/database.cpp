#include "jobsync/db/database.hpp"

#include "jobsync/config/database_url.hpp"
#include "jobsync/core/errors.hpp"

#include <libpq-fe.h>

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

} // namespace

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
        conn = std::make_unique<pqxx::connection>(config.url);
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
