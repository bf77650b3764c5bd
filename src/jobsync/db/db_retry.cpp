#include "jobsync/db/db_retry.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"

#include <chrono>

namespace jobsync {
namespace {

constexpr long kBackoffStepMs = 50;

} // namespace

DbRetryState::DbRetryState(DbSession& db, std::string what, const DbRetryOptions& options)
    : db_(db), what_(std::move(what)), options_(options),
      progress_seen_(options.progress ? options.progress() : 0)
{
}

void DbRetryState::handle(const std::exception& error)
{
    if (options_.progress) {
        const long progress = options_.progress();
        if (progress != progress_seen_) {
            progress_seen_ = progress;
            connection_losses_ = conflicts_ = lock_timeouts_ = 0;
        }
    }
    switch (classify_db_error(error)) {
    case DbFault::connection_lost:
        replace_connection(error);
        return;
    case DbFault::conflict:
        if (++conflicts_ > options_.max_conflicts) {
            throw;
        }
        log_warn("transaction rolled back by the server; redoing the work",
                 {{"work", what_}, {"error", error.what()}});
        back_off(conflicts_);
        return;
    case DbFault::lock_timeout:
        if (options_.stop_flag.stopped()) {
            throw RunError("interrupted while " + what_);
        }
        if (++lock_timeouts_ > options_.max_lock_timeouts) {
            throw;
        }
        wait_for_lock(error);
        return;
    case DbFault::none:
        throw;
    }
}

// A reconnect that fails (the server still down) counts as one more loss,
// so an outage shorter than the budget is ridden out and a longer one ends
// with the last error, which names host and port.
void DbRetryState::replace_connection(const std::exception& error)
{
    std::string last_error = error.what();
    for (;;) {
        if (options_.stop_flag.stopped()) {
            throw RunError("interrupted while " + what_);
        }
        if (++connection_losses_ > options_.max_connection_losses) {
            throw RunError("lost the database connection while " + what_ + ": " + last_error);
        }
        log_warn("lost the database connection; reconnecting and redoing the work",
                 {{"work", what_}, {"error", last_error}});
        back_off(connection_losses_ - 1);
        try {
            db_.reconnect(options_.stop_flag);
            return;
        } catch (const RunError& e) {
            last_error = e.what();
        }
    }
}

// Grows with each consecutive fault of a kind, so a busy server gets room;
// a stop ends the pause and the work is not redone.
void DbRetryState::back_off(int consecutive)
{
    if (!options_.stop_flag.sleep_for(std::chrono::milliseconds(kBackoffStepMs * consecutive))) {
        throw RunError("interrupted while " + what_);
    }
}

// The wait itself is over (the statement was cancelled), so the blocker is
// found among the sessions holding a lock on one of our tables in a mode
// that blocks reads or writes (e.g. a BI session's LOCK TABLE).
void DbRetryState::wait_for_lock(const std::exception& error)
{
    std::string pid, application, mode, table;
    try {
        pqxx::nontransaction txn(db_.conn());
        const pqxx::result holders =
            txn.exec("SELECT l.pid, coalesce(a.application_name, ''), l.mode, c.relname "
                     "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                     "WHERE l.granted AND l.pid <> pg_backend_pid() AND c.relnamespace = "
                     "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
                     "AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', "
                     "'AccessExclusiveLock') "
                     "ORDER BY l.mode = 'AccessExclusiveLock' DESC, l.pid LIMIT 1");
        if (!holders.empty()) {
            pid = holders[0][0].as<std::string>();
            application = holders[0][1].as<std::string>();
            mode = holders[0][2].as<std::string>();
            table = holders[0][3].as<std::string>();
        }
    } catch (const pqxx::failure&) {
        // Only the log line is poorer; the redo finds out what is wrong.
    }
    log_warn("waiting for a lock held by " + (pid.empty() ? "another session" : "pid " + pid) +
                 "; redoing the work",
             {{"work", what_},
              {"attempt", std::to_string(lock_timeouts_)},
              {"pid", pid},
              {"application_name", application},
              {"mode", mode},
              {"table", table},
              {"error", error.what()}});
    back_off(lock_timeouts_);
}

} // namespace jobsync
