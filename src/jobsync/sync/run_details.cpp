#include "jobsync/sync/run_details.hpp"

#include "jobsync/api/jobs_by_id.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "jobsync/parse/page_warning.hpp"

#include <deque>

namespace jobsync {

RunDetailResult write_run_details(CiClient& client, pqxx::connection& conn,
                                  const Partition& partition,
                                  const std::vector<std::string>& run_ids,
                                  const std::function<bool(pqxx::work&)>& fence,
                                  const std::atomic<bool>* stop_flag)
{
    RunDetailResult result;
    std::size_t next = 0;
    while (next < run_ids.size()) {
        if (stop_flag != nullptr && stop_flag->load()) {
            return result;
        }
        // A deque: a page's records point into its body, which must not move.
        std::deque<WorkflowRunPage> details;
        for (std::size_t n = 0; n < kRunDetailsPerTransaction && next < run_ids.size(); ++next) {
            const std::string& run_id = run_ids[next];
            if (!is_plain_job_id(run_id)) {
                log_warn("workflow run id cannot go in a GET /workflowexecution/<RunId> path; "
                         "its tasks are not fetched",
                         {{"partition", partition.label()}, {"run_id", run_id}});
                continue;
            }
            details.push_back(client.describe_workflow_run(run_id));
            ++n;
            if (details.back().records.empty()) {
                ++result.unknown;
                log_info("the service does not know a listed workflow run; its tasks are not "
                         "fetched",
                         {{"partition", partition.label()}, {"run_id", run_id}});
            }
        }
        pqxx::work txn(conn);
        if (!fence(txn)) {
            result.lost = true;
            return result;
        }
        for (const WorkflowRunPage& detail : details) {
            log_page_warnings(detail.warnings, partition.label());
            const WorkflowWriteResult written =
                workflow_store::write_runs(txn, partition.bucket(), detail);
            result.written += written.inserted + written.updated;
        }
        txn.commit();
    }
    return result;
}

} // namespace jobsync
