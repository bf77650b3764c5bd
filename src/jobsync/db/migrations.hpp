// SQL migrations: migrations/*.sql, compiled in, applied in order under an
// advisory lock and recorded in schema_migrations.
#pragma once

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace jobsync {

struct Migration {
    std::string name; // file name, e.g. "0001_initial.sql"; its order is its name's
    std::string sql;
};

const std::vector<Migration>& embedded_migrations();

// Applies the pending ones, each in its own transaction with its record in
// schema_migrations, in `schema` (created if missing). Concurrent callers
// serialise on an advisory lock, so processes that start together are safe.
// Returns the names applied now. Throws RunError naming the failing file.
std::vector<std::string> apply_migrations(pqxx::connection& conn, const std::string& schema);

} // namespace jobsync
