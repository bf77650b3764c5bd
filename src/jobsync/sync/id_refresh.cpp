#include "jobsync/sync/id_refresh.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/db/refresh_store.hpp"
#include "jobsync/sync/page_commit.hpp"

#include <algorithm>

namespace jobsync {

IdRefreshResult refresh_by_id(pqxx::connection& conn, CiClient& client, JobStore& store,
                              const Partition& partition, const std::vector<std::string>& job_ids,
                              const std::atomic<bool>* stop_flag)
{
    IdRefreshResult result;
    const long requests_before = client.counters().requests;
    std::size_t done = 0;
    while (done < job_ids.size()) {
        if (stop_flag != nullptr && stop_flag->load()) {
            throw RunError("interrupted");
        }
        // One batch as the client asks for it now (a refused size was halved).
        const std::size_t size =
            std::min<std::size_t>(job_ids.size() - done, client.id_batch_size());
        const std::vector<std::string> batch(job_ids.begin() + static_cast<long>(done),
                                             job_ids.begin() + static_cast<long>(done + size));
        JobsById found = client.describe_jobs(batch);
        pqxx::work txn(conn);
        for (const JobsPage& page : found.pages) {
            result.written += write_walked_page(txn, store, partition, page);
        }
        result.vanished += refresh_store::mark_vanished(txn, found.non_existent_ids);
        txn.commit();
        for (const JobsPage& page : found.pages) {
            result.jobs += static_cast<long>(page.jobs.size());
        }
        for (JobsPage& page : found.pages) {
            client.recycle(std::move(page));
        }
        done += size;
    }
    result.requests = client.counters().requests - requests_before;
    return result;
}

} // namespace jobsync
