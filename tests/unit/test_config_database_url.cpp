// database.url checks (config/database_url.cpp) and what open_connection
// (db/database.cpp) prints about a URL: never its password.
#include "jobsync/config/config.hpp"
#include "jobsync/config/database_url.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/db/database.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;
using namespace config_test;

namespace {

std::string url_config(const std::string& url)
{
    return kMinimal + "[database]\nurl = \"" + url + "\"\n";
}

} // namespace

TEST_CASE("config: a database.url libpq would misread is refused without showing it")
{
    const CleanEnv env;
    struct Case {
        std::string url;
        std::string reason;
    };
    // Each password holds the marker 4271, which no message may contain.
    const Case cases[] = {
        {"postgresql://jobsync:p@ss4271@db.internal/media", "an unencoded '@'"},
        {"postgresql://jobsync:pa/ss4271@db.internal:5432/media", "an unencoded '/'"},
        {"postgres://jobsync:4271/x@db.internal", "an unencoded '/'"},
        {"postgresql://jobsync:p%zz4271@db.internal/media", "a '%' that does not start"},
        {"postgresql://jobsync:4271%@db.internal/media", "a '%' that does not start"},
        {"postgresql://jobsync:p%00x4271@db.internal/media", "%00"},
        {"host=db.internal password=se cret4271", "withheld"},
        {"postgresql://jobsync:pw4271@db.internal/media?bogus=1", "withheld"},
    };
    for (const Case& c : cases) {
        INFO("url: " << c.url);
        const Failure failure = failure_of(url_config(c.url));
        INFO("message: " << failure.message);
        CHECK(failure.message.rfind(failure.path + ":9:7: [database] url has ", 0) == 0);
        CHECK(contains(failure.message, c.reason));
        CHECK_FALSE(contains(failure.message, "4271"));
        CHECK_FALSE(contains(failure.message, "db.internal"));
    }
}

TEST_CASE("config: a database.url libpq reads as written is kept")
{
    const CleanEnv env;
    for (const std::string url :
         {"postgresql://jobsync:p%40ss%2F%25@db.internal/media", "postgresql:///cijobsync",
          "postgresql://jobsync@db.internal/media?application_name=a@b",
          "postgresql://jobsync:pa?ss@db.internal/media", "host=db password='se cret'",
          "host=/var/run/postgresql dbname=media", ""}) {
        INFO("url: " << url);
        CHECK(load(url_config(url)).database.url == url);
        CHECK_FALSE(database_url_problem(url).has_value());
    }
    // Without a password, libpq's own reason is kept: it names the mistake.
    expect_error(url_config("host=db bogus=1"), "9:7",
                 {"[database] url has text libpq cannot parse: ", "bogus"});
}

TEST_CASE("config: database_url_holds_password")
{
    CHECK(database_url_holds_password("postgresql://u:pw@db/x"));
    CHECK(database_url_holds_password("postgresql://u@db/x?password=pw"));
    CHECK(database_url_holds_password("host=db password=pw"));
    CHECK_FALSE(database_url_holds_password("postgresql://u@db/x"));
    CHECK_FALSE(database_url_holds_password("postgresql:///x"));
    CHECK_FALSE(database_url_holds_password("host=db dbname=x"));
}

TEST_CASE("database: open_connection names the target, never the password")
{
    DatabaseConfig config;
    // Refused before libpq reads it, also when the config did not come from a file.
    config.url = "postgresql://u:p@ss4271@127.0.0.1:1/db";
    try {
        open_connection(config);
        FAIL("open_connection accepted a misread URL");
    } catch (const ConfigError& error) {
        CHECK(contains(error.what(), "database.url has an unencoded '@'"));
        CHECK_FALSE(contains(error.what(), "4271"));
    }
    // A well-formed URL to a closed loopback port: the error names host, port,
    // database and user only.
    config.url = "postgresql://u:pw4271@127.0.0.1:1/db";
    try {
        open_connection(config);
        FAIL("connected to port 1");
    } catch (const RunError& error) {
        CHECK(contains(error.what(), "host=127.0.0.1 port=1 dbname=db user=u"));
        CHECK_FALSE(contains(error.what(), "4271"));
    }
}

TEST_CASE("database: search_path is the schema, then pg_catalog, never public")
{
    CHECK(search_path_for("ci") == "\"ci\", pg_catalog");
    CHECK(search_path_for("_jobs2") == "\"_jobs2\", pg_catalog");
}
