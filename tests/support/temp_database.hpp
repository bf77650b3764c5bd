// A temporary database per test executable: created with a unique name on
// the cluster the PG* environment names, migrated with migrations/*.sql (so
// the migrations are tested too), dropped at the end.
#pragma once

#include "jobsync/config/config.hpp"

#include <pqxx/pqxx>

#include <memory>
#include <string>

namespace testing {

class TempDatabase {
public:
    explicit TempDatabase(std::string schema = "ci");
    ~TempDatabase();
    TempDatabase(const TempDatabase&) = delete;
    TempDatabase& operator=(const TempDatabase&) = delete;

    const std::string& name() const { return name_; }
    const std::string& schema() const { return schema_; }
    std::string url() const { return "dbname=" + name_; } // PG* env supplies the rest
    jobsync::DatabaseConfig config() const { return {url(), schema_}; }

    // A new connection with search_path set to the schema.
    std::unique_ptr<pqxx::connection> connect() const;

    // Runs a query and returns the first column of the first row as text ("" for NULL).
    std::string scalar(const std::string& sql) const;
    long long count(const std::string& table) const;

    // Empties every table of the schema (between test cases).
    void truncate_all() const;

private:
    std::string name_;
    std::string schema_;
};

// The process-wide database of one test executable.
TempDatabase& shared_database();

} // namespace testing
