// A worker's PostgreSQL connection that can be replaced after it breaks, and
// the rule for which database errors are worth redoing the work for.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/core/stop_token.hpp"

#include <pqxx/pqxx>

#include <memory>

namespace jobsync {

class DbSession {
public:
    static constexpr int kDefaultConnectAttempts = 5;

    // Connects; throws RunError. connect_attempts: tries per reconnect()
    // (1 for a caller that must answer quickly, e.g. an HTTP handler).
    explicit DbSession(DatabaseConfig config, int connect_attempts = kDefaultConnectAttempts);

    // The live connection. After a reconnect() that failed there is none:
    // then this throws pqxx::broken_connection naming host and port, which
    // perform() treats as a lost connection like any other.
    pqxx::connection& conn();

    // Drops the old connection (its session locks die with it) and opens a
    // new one, retrying with backoff while the server restarts (the pauses
    // end when `stop` is stopped). Throws RunError naming host and port when
    // it stays unreachable or the stop came first; the session then has no
    // connection.
    void reconnect(StopToken stop = {});

private:
    DatabaseConfig config_;
    int connect_attempts_;
    std::unique_ptr<pqxx::connection> conn_;
};

// connection_lost: the session is gone, or a COMMIT's outcome is unknown
// (broken_connection, in_doubt_error); conflict: the transaction was rolled
// back by the server (serialization failure, deadlock); lock_timeout: a
// statement waited database.lock_timeout for a lock another session holds
// (55P03). All are redone from the stored checkpoint, which is safe because
// pages are idempotent.
enum class DbFault { none, connection_lost, conflict, lock_timeout };

DbFault classify_db_error(const std::exception& error);

} // namespace jobsync
