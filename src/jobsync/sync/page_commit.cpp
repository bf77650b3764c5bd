#include "jobsync/sync/page_commit.hpp"

#include "jobsync/db/drift_store.hpp"
#include "jobsync/parse/page_warning.hpp"

namespace jobsync {

PageWriteResult write_walked_page(pqxx::work& txn, JobStore& store, const Partition& partition,
                                  const JobsPage& page)
{
    log_page_warnings(page.warnings, partition.label());
    const PageWriteResult written = store.write_page(txn, partition, page.jobs, page.rejected);
    record_drift(txn, partition.bucket(), page);
    return written;
}

void add_written(PartitionStats& stats, const PageWriteResult& written)
{
    stats.inserted += written.inserted;
    stats.updated += written.updated;
    stats.unchanged += written.unchanged;
    stats.refused += written.refused;
    stats.duplicates += written.duplicates;
    stats.quarantined += written.quarantined;
}

void count_committed_page(PartitionStats& stats, const JobsPage& page,
                          const PageWriteResult& written)
{
    stats.pages += 1;
    stats.jobs += static_cast<long>(page.jobs.size()) - written.duplicates;
    add_written(stats, written);
    stats.warnings += static_cast<long>(page.warnings.size());
}

} // namespace jobsync
