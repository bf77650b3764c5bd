#include "jobsync/db/db_retry.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"

#include <chrono>
#include <thread>

namespace jobsync {
namespace {

constexpr long kBackoffStepMs = 50;

bool stopping(const DbRetryOptions& options)
{
    return options.stop_flag != nullptr && options.stop_flag->load();
}

// Grows with each consecutive fault of a kind, so a busy server gets room.
void back_off(int consecutive)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(kBackoffStepMs * consecutive));
}

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
            connection_losses_ = conflicts_ = 0;
        }
    }
    switch (classify_db_error(error)) {
    case DbFault::connection_lost:
        if (stopping(options_)) {
            throw RunError("interrupted while " + what_);
        }
        if (++connection_losses_ > options_.max_connection_losses) {
            throw RunError("lost the database connection while " + what_ + ": " + error.what());
        }
        log_warn("lost the database connection; reconnecting and redoing the work",
                 {{"work", what_}, {"error", error.what()}});
        back_off(connection_losses_ - 1);
        db_.reconnect();
        return;
    case DbFault::conflict:
        if (++conflicts_ > options_.max_conflicts) {
            throw;
        }
        log_warn("transaction rolled back by the server; redoing the work",
                 {{"work", what_}, {"error", error.what()}});
        back_off(conflicts_);
        return;
    case DbFault::none:
        throw;
    }
}

} // namespace jobsync
