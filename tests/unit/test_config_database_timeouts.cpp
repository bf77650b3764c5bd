// [database] timeouts (config/config.cpp) and how they reach libpq
// (db/database.cpp connection_string): bounded at parse time, and a value
// the URL sets itself wins.
#include "jobsync/config/config.hpp"
#include "jobsync/db/database.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: [database] timeouts have defaults, the example spells them out")
{
    const CleanEnv env;
    const DatabaseConfig defaults;
    CHECK(defaults.lock_timeout_seconds == 10);
    CHECK(defaults.idle_in_transaction_timeout_seconds == 300);
    CHECK(defaults.connect_timeout_seconds == 10);
    CHECK(defaults.tcp_user_timeout_seconds == 60);
    CHECK(defaults.keepalive_idle_seconds == 30);
    const Config example = load_config(std::string(PROJECT_SOURCE_DIR) + "/config/example.toml");
    CHECK(example.database.lock_timeout_seconds == defaults.lock_timeout_seconds);
    CHECK(example.database.idle_in_transaction_timeout_seconds ==
          defaults.idle_in_transaction_timeout_seconds);
    CHECK(example.database.connect_timeout_seconds == defaults.connect_timeout_seconds);
    CHECK(example.database.tcp_user_timeout_seconds == defaults.tcp_user_timeout_seconds);
    CHECK(example.database.keepalive_idle_seconds == defaults.keepalive_idle_seconds);
}

TEST_CASE("config: every [database] timeout maps to its field")
{
    const CleanEnv env;
    const Config config = load(kMinimal + "[database]\nlock_timeout = \"2s\"\n"
                                          "idle_in_transaction_timeout = \"1m\"\n"
                                          "connect_timeout = \"3s\"\n"
                                          "tcp_user_timeout = \"0s\"\n"
                                          "keepalive_idle = \"5s\"\n");
    CHECK(config.database.lock_timeout_seconds == 2);
    CHECK(config.database.idle_in_transaction_timeout_seconds == 60);
    CHECK(config.database.connect_timeout_seconds == 3);
    CHECK(config.database.tcp_user_timeout_seconds == 0);
    CHECK(config.database.keepalive_idle_seconds == 5);
    CHECK(load(kMinimal + "[database]\nlock_timeout = \"0s\"\n").database.lock_timeout_seconds ==
          0);
}

TEST_CASE("config: [database] timeouts are bounded where they are written")
{
    const CleanEnv env;
    expect_error(kMinimal + "[database]\nlock_timeout = \"2h\"\n", "9:16",
                 {"[database] lock_timeout must be at most 3600s, got 7200s"});
    expect_error(kMinimal + "[database]\nidle_in_transaction_timeout = \"2d\"\n", "9:31",
                 {"idle_in_transaction_timeout must be at most 86400s"});
    expect_error(kMinimal + "[database]\nconnect_timeout = \"0s\"\n", "9:19",
                 {"connect_timeout must be greater than zero"});
    expect_error(kMinimal + "[database]\ntcp_user_timeout = \"36500d\"\n", "9:20",
                 {"tcp_user_timeout must be at most 3600s"});
    expect_error(kMinimal + "[database]\nkeepalive_idle = \"0s\"\n", "9:18",
                 {"keepalive_idle must be greater than zero"});
    expect_error(kMinimal + "[database]\nlock_timeout = \"soon\"\n", "9:16",
                 {"lock_timeout: bad duration 'soon'"});
    expect_error(kMinimal + "[database]\nstatement_timeout = \"1s\"\n", "9:1",
                 {"statement_timeout"});
}

TEST_CASE("database: the connection string adds the socket settings the URL leaves out")
{
    DatabaseConfig config;
    config.url = "postgresql://jobsync:pa%27ss@db.internal:5433/media?keepalives_idle=99";
    config.tcp_user_timeout_seconds = 45;
    const std::string conninfo = connection_string(config);
    INFO(conninfo);
    CHECK(conninfo.find("host='db.internal'") != std::string::npos);
    CHECK(conninfo.find("port='5433'") != std::string::npos);
    CHECK(conninfo.find("dbname='media'") != std::string::npos);
    CHECK(conninfo.find("password='pa\\'ss'") != std::string::npos);
    CHECK(conninfo.find("keepalives_idle='99'") != std::string::npos); // the URL's wins
    CHECK(conninfo.find("keepalives_idle=30") == std::string::npos);
    CHECK(conninfo.find("keepalives=1") != std::string::npos);
    CHECK(conninfo.find("tcp_user_timeout=45000") != std::string::npos);
    CHECK(conninfo.find("connect_timeout=10") != std::string::npos);

    DatabaseConfig from_environment; // "" => PG* only: just the settings
    CHECK(connection_string(from_environment) ==
          "connect_timeout=10 keepalives=1 keepalives_idle=30 keepalives_interval=10 "
          "keepalives_count=3 tcp_user_timeout=60000 ");
}
