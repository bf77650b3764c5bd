// The one rule for redoing database work, in the spirit of pqxx::perform: a
// lost connection is replaced and the work redone, a transaction the server
// rolled back (serialization failure, deadlock) or a statement that waited
// database.lock_timeout for another session's lock is redone after a pause,
// anything else propagates.
#pragma once

#include "jobsync/core/stop_token.hpp"
#include "jobsync/db/db_session.hpp"

#include <functional>
#include <string>

namespace jobsync {

struct DbRetryOptions {
    // Consecutive, i.e. since progress() last grew. A failed reconnect counts
    // as one more loss: with 5 (and DbSession's 5 tries per reconnect) an
    // outage of about 20 s is ridden out.
    int max_connection_losses = 5;
    int max_conflicts = 5;
    int max_lock_timeouts = 10; // each one waited database.lock_timeout
    // Stopped => no more redos: a pause between them ends and perform()
    // throws RunError("interrupted while ...").
    StopToken stop_flag;
    // A count that grows when the work commits something (pages): long work
    // is allowed the limits again after each step it completes.
    std::function<long()> progress;
};

// Counts the faults of one perform() call and decides, for each, whether to
// redo the work (after reconnecting or pausing) or to give up.
class DbRetryState {
public:
    DbRetryState(DbSession& db, std::string what, const DbRetryOptions& options);

    // Called from a catch handler of pqxx::failure: returns to redo the work,
    // else rethrows it; a connection that stays lost becomes a RunError.
    void handle(const std::exception& error);

private:
    void replace_connection(const std::exception& error);
    void back_off(int consecutive);
    void wait_for_lock(const std::exception& error);

    DbSession& db_;
    std::string what_;
    const DbRetryOptions& options_;
    long progress_seen_ = 0;
    int connection_losses_ = 0;
    int conflicts_ = 0;
    int lock_timeouts_ = 0;
};

// Runs fn (which opens and commits its own transactions on db.conn()) until
// it returns, redoing it as described above. Returns what fn returns.
template <typename Fn>
auto perform(DbSession& db, const std::string& what, Fn&& fn, const DbRetryOptions& options = {})
    -> decltype(fn())
{
    DbRetryState state(db, what, options);
    for (;;) {
        try {
            return fn();
        } catch (const pqxx::failure& e) {
            state.handle(e);
        }
    }
}

} // namespace jobsync
