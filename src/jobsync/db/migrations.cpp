#include "jobsync/db/migrations.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"

#include <set>

namespace jobsync {
namespace {

// Holds a session advisory lock for the lifetime of the object, so two
// processes starting together apply each migration once.
class MigrationLock {
public:
    MigrationLock(pqxx::connection& conn, const std::string& schema) : conn_(conn), key_(schema)
    {
        pqxx::nontransaction txn(conn_);
        // Another process may migrate for longer than database.lock_timeout:
        // this one waits for it without a limit, and the limit is restored.
        const std::string limit = txn.exec1("SHOW lock_timeout")[0].as<std::string>();
        txn.exec("SET lock_timeout TO 0");
        txn.exec_params(
            "SELECT pg_advisory_lock(hashtextextended('ci-jobsync:migrations:' || $1, 0))", key_);
        txn.exec_params("SELECT set_config('lock_timeout', $1, false)", limit);
    }
    ~MigrationLock()
    {
        try {
            pqxx::nontransaction txn(conn_);
            txn.exec_params(
                "SELECT pg_advisory_unlock(hashtextextended('ci-jobsync:migrations:' || $1, 0))",
                key_);
        } catch (...) { // the session ending releases it anyway
        }
    }
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;

private:
    pqxx::connection& conn_;
    std::string key_;
};

std::set<std::string> applied_names(pqxx::connection& conn, const std::string& schema)
{
    pqxx::work txn(conn);
    txn.exec("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
    txn.exec("CREATE TABLE IF NOT EXISTS \"" + schema +
             "\".schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL "
             "DEFAULT now())");
    std::set<std::string> names;
    for (const auto& row : txn.exec("SELECT name FROM \"" + schema + "\".schema_migrations")) {
        names.insert(row[0].as<std::string>());
    }
    txn.commit();
    return names;
}

} // namespace

std::vector<std::string> apply_migrations(pqxx::connection& conn, const std::string& schema)
{
    if (!is_plain_identifier(schema)) {
        throw ConfigError("database.schema '" + schema + "' is not a plain identifier");
    }
    std::vector<std::string> applied_now;
    try {
        const MigrationLock lock(conn, schema);
        const std::set<std::string> done = applied_names(conn, schema);
        for (const Migration& migration : embedded_migrations()) {
            if (done.count(migration.name) != 0) {
                continue;
            }
            pqxx::work txn(conn);
            txn.exec("SET LOCAL search_path TO " + search_path_for(schema));
            try {
                txn.exec(migration.sql);
            } catch (const pqxx::sql_error& e) {
                throw RunError("migration " + migration.name + " failed: " + e.what());
            }
            txn.exec_params("INSERT INTO schema_migrations (name) VALUES ($1)", migration.name);
            txn.commit();
            log_info("applied migration", {{"migration", migration.name}, {"schema", schema}});
            applied_now.push_back(migration.name);
        }
    } catch (const pqxx::broken_connection& e) {
        throw RunError(std::string("lost the database connection while migrating: ") + e.what());
    } catch (const pqxx::sql_error& e) {
        throw RunError(std::string("migrating schema '") + schema + "' failed: " + e.what());
    }
    return applied_now;
}

} // namespace jobsync
