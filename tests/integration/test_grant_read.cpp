// `grant-read ROLE`: the role reads every table and view, now and after later
// migrations, and writes nothing.
#include "jobsync/commands/grant_read.hpp"
#include "jobsync/core/errors.hpp"
#include "support/temp_database.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace testing;

namespace {

// A role on the shared cluster for this test only; its grants in the
// temporary database are dropped with it.
class TestRole {
public:
    TestRole(const TempDatabase& db, const std::string& kind)
        : db_(db), name_("jobsync_" + kind + "_" + std::to_string(::getpid()))
    {
        db_.scalar("CREATE ROLE " + name_ + " NOLOGIN");
    }
    ~TestRole()
    {
        try {
            db_.scalar("DROP OWNED BY " + name_);
            db_.scalar("DROP ROLE " + name_);
        } catch (...) { // the cluster is thrown away after the run anyway
        }
    }
    TestRole(const TestRole&) = delete;
    TestRole& operator=(const TestRole&) = delete;
    const std::string& name() const { return name_; }

private:
    const TempDatabase& db_;
    std::string name_;
};

jobsync::Config config_for(const TempDatabase& db)
{
    jobsync::Config config;
    config.database = db.config();
    return config;
}

// Runs sql as the role and commits; returns the SQLSTATE it failed with, or "" on success.
std::string sqlstate_as(const TempDatabase& db, const std::string& role, const std::string& sql)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("SET ROLE " + role);
    try {
        txn.exec(sql);
        txn.commit();
        return "";
    } catch (const pqxx::insufficient_privilege&) { // libpqxx 6.4 leaves its sqlstate() empty
        return "42501";
    } catch (const pqxx::sql_error& error) {
        return error.sqlstate();
    }
}

} // namespace

TEST_CASE("grant-read: the role can read every table and view but not write")
{
    TempDatabase& db = shared_database();
    TestRole role(db, "reader");
    // Without USAGE the schema is skipped on the search path: no such table.
    CHECK(sqlstate_as(db, role.name(), "SELECT count(*) FROM jobs") == "42P01");

    jobsync::grant_read_access(config_for(db), role.name());
    for (const char* relation : {"jobs", "output_files", "sync_checkpoints", "v_jobs",
                                 "v_daily_job_stats", "v_output_md5_audit", "v_failed_jobs"}) {
        INFO(relation);
        CHECK(sqlstate_as(db, role.name(), std::string("SELECT * FROM ") + relation) == "");
    }
    CHECK(sqlstate_as(db, role.name(), "DELETE FROM jobs") == "42501");
    CHECK(sqlstate_as(db, role.name(), "CREATE TABLE mine (x int)") == "42501");

    // A later migration's table is readable without granting again.
    db.scalar("CREATE TABLE later_table (x int)");
    CHECK(sqlstate_as(db, role.name(), "SELECT * FROM later_table") == "");
    db.scalar("DROP TABLE later_table");

    // Granting twice is harmless.
    CHECK_NOTHROW(jobsync::grant_read_access(config_for(db), role.name()));
}

TEST_CASE("grant-read run by a superuser covers the tables the worker's role creates later")
{
    TempDatabase& db = shared_database();
    TestRole reader(db, "reader");
    TestRole worker(db, "worker");
    db.scalar("GRANT CREATE, USAGE ON SCHEMA " + db.schema() + " TO " + worker.name());
    CHECK(sqlstate_as(db, worker.name(), "CREATE TABLE worker_first (x int)") == "");

    jobsync::grant_read_access(config_for(db), reader.name());
    CHECK(sqlstate_as(db, reader.name(), "SELECT * FROM worker_first") == "");
    CHECK(sqlstate_as(db, worker.name(), "CREATE TABLE worker_later (x int)") == "");
    CHECK(sqlstate_as(db, reader.name(), "SELECT * FROM worker_later") == "");
}

TEST_CASE("grant-read: a bad role name is a ConfigError, a missing role a RunError")
{
    TempDatabase& db = shared_database();
    CHECK_THROWS_AS(jobsync::grant_read_access(config_for(db), "bi; DROP TABLE jobs"),
                    jobsync::ConfigError);
    CHECK_THROWS_AS(jobsync::grant_read_access(config_for(db), "Reader"), jobsync::ConfigError);
    CHECK_THROWS_AS(jobsync::grant_read_access(config_for(db), ""), jobsync::ConfigError);
    CHECK_THROWS_WITH(jobsync::grant_read_access(config_for(db), "no_such_role_here"),
                      Catch::Contains("does not exist"));
    CHECK_THROWS_AS(jobsync::grant_read_access(config_for(db), "no_such_role_here"),
                    jobsync::RunError);
    CHECK(db.count("jobs") == 0);
}
