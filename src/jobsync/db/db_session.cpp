#include "jobsync/db/db_session.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"

#include <algorithm>
#include <chrono>

namespace jobsync {
namespace {

constexpr long kFirstConnectDelayMs = 250;

} // namespace

DbSession::DbSession(DatabaseConfig config, int connect_attempts)
    : config_(std::move(config)), connect_attempts_(std::max(1, connect_attempts)),
      conn_(open_connection(config_))
{
}

pqxx::connection& DbSession::conn()
{
    if (!conn_) {
        throw pqxx::broken_connection("no connection to PostgreSQL (" +
                                      describe_connection_target(config_.url) +
                                      "): the last reconnect failed");
    }
    return *conn_;
}

void DbSession::reconnect(StopToken stop)
{
    conn_.reset();
    long delay_ms = kFirstConnectDelayMs;
    for (int attempt = 1;; ++attempt) {
        try {
            conn_ = open_connection(config_);
            return;
        } catch (const RunError& e) {
            if (attempt >= connect_attempts_ || stop.stopped()) {
                throw;
            }
            log_warn("reconnecting to PostgreSQL failed; retrying",
                     {{"attempt", std::to_string(attempt)}, {"error", e.what()}});
        }
        stop.sleep_for(
            std::chrono::milliseconds(delay_ms)); // a stop ends it: the next failure throws
        delay_ms *= 2;
    }
}

DbFault classify_db_error(const std::exception& error)
{
    if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr ||
        dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
        return DbFault::connection_lost;
    }
    if (dynamic_cast<const pqxx::serialization_failure*>(&error) != nullptr ||
        dynamic_cast<const pqxx::deadlock_detected*>(&error) != nullptr) {
        return DbFault::conflict;
    }
    // A backend terminated by an administrator or a server shutdown may
    // surface as a plain sql_error carrying the SQLSTATE.
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
        const std::string state = sql->sqlstate();
        if (state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
            return DbFault::connection_lost;
        }
        if (state == "40001" || state == "40P01") {
            return DbFault::conflict;
        }
        if (state == "55P03") {
            return DbFault::lock_timeout;
        }
    }
    return DbFault::none;
}

} // namespace jobsync
