#include "jobsync/db/daily_stats_store.hpp"

namespace jobsync::daily_stats_store {

long refresh(pqxx::connection& conn)
{
    pqxx::work txn(conn);
    const long days = txn.exec1("SELECT refresh_daily_job_stats()")[0].as<long>();
    txn.commit();
    return days;
}

} // namespace jobsync::daily_stats_store
