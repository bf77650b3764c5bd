// A PostgreSQL cluster of one test's own, for tests that stop and start the
// server: the suite's shared cluster (PG* environment) serves tests running
// in parallel and must stay up. Runs as `postgres` when the test runs as root,
// as scripts/lib_postgres.sh does.
#pragma once

#include <string>

namespace testing {

class ThrowawayCluster {
public:
    ThrowawayCluster();  // initdb and start on a free loopback port (throws on failure)
    ~ThrowawayCluster(); // stops it and removes its files
    ThrowawayCluster(const ThrowawayCluster&) = delete;
    ThrowawayCluster& operator=(const ThrowawayCluster&) = delete;

    void start(); // waits until it accepts connections
    void stop();  // fast shutdown: every session is terminated

    int port() const { return port_; }
    // A libpq conninfo for a database of this cluster.
    std::string url(const std::string& dbname) const;
    // Creates a database, migrated into `schema`; returns its url().
    std::string create_database(const std::string& dbname, const std::string& schema = "ci");
    // The first column of the first row ("" for NULL or no row).
    std::string scalar(const std::string& dbname, const std::string& sql) const;

private:
    void pg_ctl(const std::string& action);

    std::string dir_;
    int port_ = 0;
    bool running_ = false;
};

} // namespace testing
