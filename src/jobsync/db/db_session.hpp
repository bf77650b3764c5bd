// A worker's PostgreSQL connection that can be replaced after it breaks, and
// the rule for which database errors are worth redoing the work for.
#pragma once

#include "jobsync/config/config.hpp"

#include <pqxx/pqxx>

#include <memory>

namespace jobsync {

class DbSession {
public:
    explicit DbSession(DatabaseConfig config); // connects; throws RunError
    pqxx::connection& conn() { return *conn_; }

    // Drops the old connection (its session locks die with it) and opens a
    // new one, retrying a few times with backoff while the server restarts.
    // Throws RunError when it stays unreachable.
    void reconnect();

private:
    DatabaseConfig config_;
    std::unique_ptr<pqxx::connection> conn_;
};

enum class DbFault { none, connection_lost, conflict };

// connection_lost: the session is gone, or a COMMIT's outcome is unknown
// (broken_connection, in_doubt_error); conflict: the transaction was rolled
// back by the server (serialization failure, deadlock). Both are redone from
// the stored checkpoint, which is safe because pages are idempotent.
DbFault classify_db_error(const std::exception& error);

} // namespace jobsync
