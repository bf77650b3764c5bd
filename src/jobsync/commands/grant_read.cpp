#include "jobsync/commands/grant_read.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/db/database.hpp"

namespace jobsync {

void grant_read_access(const Config& config, const std::string& role)
{
    // Only plain identifiers: the name goes into GRANT statements, which take no parameters.
    if (!is_plain_identifier(role)) {
        throw ConfigError("grant-read: role name '" + role + "' must match [a-z_][a-z0-9_]{0,62}");
    }
    auto conn = open_connection(config.database);
    pqxx::work txn(*conn);
    if (txn.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", role).empty()) {
        throw RunError("grant-read: role " + role + " does not exist (CREATE ROLE " + role +
                       " LOGIN PASSWORD '...' first)");
    }
    const std::string schema = txn.quote_name(config.database.schema);
    const std::string grantee = txn.quote_name(role);
    txn.exec("GRANT USAGE ON SCHEMA " + schema + " TO " + grantee);
    txn.exec("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + grantee);
    // Tables and views that later migrations create too. Default privileges
    // follow the creating role: the worker's (which owns the schema's tables,
    // e.g. when a superuser runs grant-read) and this user's own.
    const pqxx::result creators = txn.exec_params(
        "SELECT r.rolname FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER') "
        "AND (r.rolname = current_user OR r.oid IN (SELECT c.relowner FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
        "AND c.relkind IN ('r', 'v', 'm', 'p', 'f'))) ORDER BY r.rolname",
        config.database.schema);
    for (const pqxx::row& creator : creators) {
        txn.exec("ALTER DEFAULT PRIVILEGES FOR ROLE " + txn.quote_name(creator[0].c_str()) +
                 " IN SCHEMA " + schema + " GRANT SELECT ON TABLES TO " + grantee);
    }
    txn.commit();
}

} // namespace jobsync
