// v_daily_job_stats' stored rows (migrations/0022_read_path.sql): the days
// whose jobs changed since the last refresh are recomputed from jobs.
#pragma once

#include <pqxx/pqxx>

namespace jobsync::daily_stats_store {

// Recomputes, in its own transaction, the stored rows of every day whose jobs
// changed since the last refresh; returns how many days it recomputed.
long refresh(pqxx::connection& conn);

} // namespace jobsync::daily_stats_store
