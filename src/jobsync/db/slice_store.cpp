#include "jobsync/db/slice_store.hpp"

#include "jobsync/db/time_param.hpp"

#include <stdexcept>

namespace jobsync::slice_store {
namespace {

constexpr const char* kSliceColumns =
    "SELECT slice, extract(epoch FROM window_start)::bigint, "
    "extract(epoch FROM window_end)::bigint, coalesce(next_token, ''), "
    "extract(epoch FROM token_issued_at)::bigint, "
    "extract(epoch FROM last_creation_time)::bigint, pages, jobs, done_at IS NOT NULL "
    "FROM sync_slices WHERE bucket = $1 AND tag = $2 AND queue_id = $3";

SliceCheckpoint slice_of(const pqxx::row& row)
{
    SliceCheckpoint slice;
    slice.slice = row[0].as<int>();
    slice.window.start = epoch_or_null(row[1]);
    slice.window.end = row[2].as<long long>();
    slice.next_token = row[3].as<std::string>();
    slice.token_issued_at = epoch_or_null(row[4]);
    slice.last_creation_time = epoch_or_null(row[5]);
    slice.pages = row[6].as<long>();
    slice.jobs = row[7].as<long>();
    slice.done = row[8].as<bool>();
    return slice;
}

} // namespace

std::vector<SliceCheckpoint> load_plan(pqxx::transaction_base& txn, const Partition& partition)
{
    std::vector<SliceCheckpoint> plan;
    for (const pqxx::row& row :
         txn.exec_params(std::string(kSliceColumns) + " ORDER BY slice", partition.bucket(),
                         partition.tag, partition.queue_id)) {
        plan.push_back(slice_of(row));
    }
    return plan;
}

SliceCheckpoint load_slice(pqxx::transaction_base& txn, const Partition& partition, int slice)
{
    const pqxx::result result =
        txn.exec_params(std::string(kSliceColumns) + " AND slice = $4", partition.bucket(),
                        partition.tag, partition.queue_id, slice);
    if (result.empty()) {
        throw std::out_of_range("partition " + partition.label() + " has no slice " +
                                std::to_string(slice));
    }
    return slice_of(result[0]);
}

void create_plan(pqxx::transaction_base& txn, const Partition& partition,
                 const std::vector<SliceWindow>& windows)
{
    for (std::size_t k = 0; k < windows.size(); ++k) {
        const TimeParam start(windows[k].start);
        const TimeParam end(windows[k].end);
        txn.exec_params("INSERT INTO sync_slices (bucket, tag, queue_id, slice, window_start, "
                        "window_end) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz)",
                        partition.bucket(), partition.tag, partition.queue_id, static_cast<int>(k),
                        start.get(), end.get());
    }
}

void record_page(pqxx::transaction_base& txn, const Partition& partition, int slice,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page)
{
    const TimeParam last(last_creation_time);
    txn.exec_params("UPDATE sync_slices SET next_token = nullif($5, ''), "
                    "token_issued_at = CASE WHEN $5 = '' THEN NULL ELSE now() END, "
                    "last_creation_time = greatest(last_creation_time, $6::timestamptz), "
                    "pages = pages + 1, jobs = jobs + $7, last_page_at = now() "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3 AND slice = $4",
                    partition.bucket(), partition.tag, partition.queue_id, slice, next_token,
                    last.get(), jobs_in_page);
}

void restart_slice(pqxx::transaction_base& txn, const Partition& partition, int slice,
                   std::optional<UnixSeconds> start)
{
    const TimeParam start_param(start);
    txn.exec_params("UPDATE sync_slices SET window_start = $5::timestamptz, next_token = NULL, "
                    "token_issued_at = NULL "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3 AND slice = $4",
                    partition.bucket(), partition.tag, partition.queue_id, slice,
                    start_param.get());
}

void complete_slice(pqxx::transaction_base& txn, const Partition& partition, int slice)
{
    txn.exec_params("UPDATE sync_slices SET next_token = NULL, token_issued_at = NULL, "
                    "done_at = now() "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3 AND slice = $4",
                    partition.bucket(), partition.tag, partition.queue_id, slice);
}

void delete_plan(pqxx::transaction_base& txn, const Partition& partition)
{
    txn.exec_params("DELETE FROM sync_slices WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id);
}

} // namespace jobsync::slice_store
