#include "jobsync/sync/listing_kinds.hpp"

#include "jobsync/db/database.hpp"
#include "jobsync/db/quarantine_store.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "jobsync/parse/page_warning.hpp"
#include "jobsync/sync/page_commit.hpp"
#include "jobsync/sync/run_details.hpp"

#include <string>
#include <vector>

namespace jobsync {
namespace {

// A window with no second left between its bounds: no request, an empty
// last page.
template <typename Page, typename List>
Page fetch_inclusive(const std::string& workflow_id, int page_size, const PagePosition& at,
                     List list)
{
    const std::optional<ListingQuery> query = inclusive_query(workflow_id, page_size, at);
    return query ? list(*query) : Page{};
}

// Items the parser rejected go to the quarantine under the partition's
// (reserved) tag and queue; stored ones leave it.
template <typename Records>
void quarantine_rejected(pqxx::work& txn, const Partition& partition, const ListingBuffers& page,
                         const Records& records,
                         std::string_view (*id_of)(const typename Records::value_type&),
                         PageWriteResult& result)
{
    for (const RejectedJob& item : page.rejected) {
        quarantine_store::add(txn, partition, item.job_id, item.detail_xml, item.reason);
        ++result.quarantined;
    }
    if (!records.empty()) {
        std::vector<std::string> ids;
        for (const auto& record : records) {
            ids.emplace_back(id_of(record));
        }
        quarantine_store::release(txn, partition.bucket(), to_text_array_literal(ids));
    }
}

PageWriteResult counted(const WorkflowWriteResult& written)
{
    PageWriteResult result;
    result.inserted = written.inserted;
    result.updated = written.updated;
    result.refused = written.refused;
    return result;
}

// Runs and batch jobs are not jobs: a page counts as a page (and its
// warnings and quarantined items), not in the job figures.
void count_listing_page(PartitionStats& stats, const ListingBuffers& page,
                        const PageWriteResult& written)
{
    stats.pages += 1;
    stats.quarantined += written.quarantined;
    stats.warnings += static_cast<long>(page.warnings.size());
}

} // namespace

PageWriteResult JobPageWriter::write(pqxx::work& txn, const JobsPage& page)
{
    return write_walked_page(txn, store_, partition_, page);
}

void JobPageWriter::committed(const JobsPage& page, const PageWriteResult& written,
                              PartitionStats& stats)
{
    count_committed_page(stats, page, written);
}

WorkflowRunPage RunPages::fetch(const PagePosition& at)
{
    return fetch_inclusive<WorkflowRunPage>(
        partition_.queue_id, page_size_, at,
        [&](const ListingQuery& query) { return client_.list_workflow_runs(query); });
}

PageWriteResult RunPageWriter::write(pqxx::work& txn, const WorkflowRunPage& page)
{
    log_page_warnings(page.warnings, partition_.label());
    PageWriteResult result = counted(workflow_store::write_runs(txn, partition_.bucket(), page));
    quarantine_rejected(
        txn, partition_, page, page.records,
        +[](const WorkflowRunRecord& run) { return run.run_id; }, result);
    return result;
}

void RunPageWriter::committed(const WorkflowRunPage& page, const PageWriteResult& written,
                              PartitionStats& stats)
{
    count_listing_page(stats, page, written);
    std::vector<std::string> listed;
    for (const WorkflowRunRecord& run : page.records) {
        listed.emplace_back(run.run_id);
    }
    if (listed.empty()) {
        return;
    }
    std::vector<std::string> due;
    {
        pqxx::read_transaction txn(conn_);
        due = workflow_store::runs_without_detail(txn, listed);
    }
    lost_ = write_run_details(client_, conn_, partition_, due, fence_, stop_flag_).lost;
}

BatchJobPage BatchJobPages::fetch(const PagePosition& at)
{
    return fetch_inclusive<BatchJobPage>("", page_size_, at, [&](const ListingQuery& query) {
        return client_.list_batch_jobs(query);
    });
}

PageWriteResult BatchJobPageWriter::write(pqxx::work& txn, const BatchJobPage& page)
{
    log_page_warnings(page.warnings, partition_.label());
    PageWriteResult result =
        counted(workflow_store::write_batch_jobs(txn, partition_.bucket(), page));
    quarantine_rejected(
        txn, partition_, page, page.records, +[](const BatchJobRecord& job) { return job.job_id; },
        result);
    return result;
}

void BatchJobPageWriter::committed(const BatchJobPage& page, const PageWriteResult& written,
                                   PartitionStats& stats)
{
    count_listing_page(stats, page, written);
}

} // namespace jobsync
