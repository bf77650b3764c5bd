#include "jobsync/sync/walk_attempt.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/db/db_retry.hpp"

#include <pqxx/pqxx>

namespace jobsync {

WalkEnd attempt_walk(DbSession& db, const WalkAttempt& attempt, const PartitionStats& stats,
                     const std::function<PartitionStatus()>& walk)
{
    const std::string& prefix = attempt.error_prefix;
    const std::atomic<bool>* stop_flag = attempt.stop_flag;
    DbRetryOptions retry;
    retry.stop_flag = stop_flag;
    retry.progress = [&stats] { return stats.pages; };
    WalkEnd end;
    try {
        end.status = perform(db, attempt.what, walk, retry);
        if (end.status == PartitionStatus::interrupted) {
            end.error = "interrupted";
        }
    } catch (const PartitionError& e) {
        end = {PartitionStatus::failed, prefix + e.what()};
    } catch (const RunError&) {
        if (stop_flag == nullptr || !stop_flag->load()) {
            throw;
        }
        end = {PartitionStatus::interrupted, "interrupted"};
    } catch (const pqxx::failure& e) {
        end = {PartitionStatus::failed, prefix + "database error: " + e.what()};
    }
    return end;
}

} // namespace jobsync
