#include "support/temp_database.hpp"

#include "jobsync/db/database.hpp"
#include "jobsync/db/migrations.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

namespace testing {
namespace {

std::string unique_database_name()
{
    std::random_device device;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return "jobsync_test_" + std::to_string(::getpid()) + "_" +
           std::to_string((static_cast<unsigned long long>(now) ^ device()) % 100000000ULL);
}

std::unique_ptr<pqxx::connection> admin_connection()
{
    const char* admin = std::getenv("JOBSYNC_TEST_ADMIN_DB");
    return std::make_unique<pqxx::connection>(std::string("dbname=") +
                                              (admin != nullptr ? admin : "postgres"));
}

} // namespace

TempDatabase::TempDatabase(std::string schema)
    : name_(unique_database_name()), schema_(std::move(schema))
{
    {
        auto admin = admin_connection();
        pqxx::nontransaction txn(*admin);
        txn.exec("CREATE DATABASE " + name_);
    }
    pqxx::connection conn(url());
    jobsync::apply_migrations(conn, schema_);
}

TempDatabase::~TempDatabase()
{
    try {
        auto admin = admin_connection();
        pqxx::nontransaction txn(*admin);
        txn.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) { // the cluster is thrown away after the run anyway
    }
}

std::unique_ptr<pqxx::connection> TempDatabase::connect() const
{
    return jobsync::open_connection(config());
}

std::string TempDatabase::scalar(const std::string& sql) const
{
    auto conn = connect();
    pqxx::nontransaction txn(*conn);
    const pqxx::result result = txn.exec(sql);
    if (result.empty() || result[0][0].is_null()) {
        return "";
    }
    return result[0][0].as<std::string>();
}

long long TempDatabase::count(const std::string& table) const
{
    return std::stoll(scalar("SELECT count(*) FROM " + table));
}

void TempDatabase::truncate_all() const
{
    auto conn = connect();
    pqxx::work txn(*conn);
    const pqxx::result tables = txn.exec_params(
        "SELECT string_agg(quote_ident(schemaname) || '.' || quote_ident(tablename), ', ') "
        "FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'",
        schema_);
    if (!tables[0][0].is_null()) {
        txn.exec("TRUNCATE " + tables[0][0].as<std::string>() + " RESTART IDENTITY CASCADE");
    }
    txn.commit();
}

TempDatabase& shared_database()
{
    static TempDatabase database;
    return database;
}

} // namespace testing
