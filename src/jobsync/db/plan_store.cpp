#include "jobsync/db/plan_store.hpp"

#include "jobsync/db/time_param.hpp"

namespace jobsync::plan_store {
namespace {

constexpr const char* kSliceColumns =
    "SELECT slice, extract(epoch FROM window_start)::bigint, "
    "extract(epoch FROM window_end)::bigint, coalesce(next_token, ''), "
    "extract(epoch FROM token_issued_at)::bigint, "
    "extract(epoch FROM last_creation_time)::bigint, pages, jobs, done_at IS NOT NULL "
    "FROM sync_slices WHERE plan_id = $1";

// The slice's claim (claim_no_param), held by the worker ($3) in the round
// ($2): every slice write names it, so a walker whose claim was taken over
// writes nothing.
std::string held_by_worker(const std::string& claim_no_param)
{
    return " AND EXISTS (SELECT 1 FROM sync_claims c WHERE c.round_id = $2 "
           "AND c.claimed_by = $3 AND c.claim_no = " +
           claim_no_param +
           " AND c.state = 'walking' AND c.kind = 'slice' AND c.plan_id = s.plan_id "
           "AND c.slice = s.slice)";
}

SliceState slice_of(const pqxx::row& row)
{
    SliceState slice;
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

// Cursor to the plan's end, walk cleared, status ok; then the plan goes.
void close_plan(pqxx::transaction_base& txn, long long plan_id)
{
    txn.exec_params("UPDATE sync_checkpoints c SET cursor = p.window_end, "
                    "walk_window_start = NULL, walk_window_end = NULL, walk_started_at = NULL, "
                    "last_run_at = now(), last_success_at = now(), last_page_at = now(), "
                    "last_status = 'ok', last_error = NULL FROM sync_plans p "
                    "WHERE p.plan_id = $1 AND (c.bucket, c.tag, c.queue_id) = "
                    "(p.bucket, p.tag, p.queue_id)",
                    plan_id);
    txn.exec_params("DELETE FROM sync_plans WHERE plan_id = $1", plan_id);
}

bool lock_plan(pqxx::transaction_base& txn, long long plan_id)
{
    return !txn.exec_params("SELECT 1 FROM sync_plans WHERE plan_id = $1 FOR UPDATE", plan_id)
                .empty();
}

long slices_left(pqxx::transaction_base& txn, long long plan_id)
{
    return txn
        .exec_params1("SELECT count(*) FROM sync_slices WHERE plan_id = $1 AND done_at IS NULL",
                      plan_id)[0]
        .as<long>();
}

} // namespace

std::optional<Plan> find_plan(pqxx::transaction_base& txn, const Partition& partition)
{
    const pqxx::result result = txn.exec_params(
        "SELECT plan_id, extract(epoch FROM window_start)::bigint, "
        "extract(epoch FROM window_end)::bigint, "
        "(SELECT count(*) FROM sync_slices s WHERE s.plan_id = p.plan_id) FROM sync_plans p "
        "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
        partition.bucket(), partition.tag, partition.queue_id);
    if (result.empty()) {
        return std::nullopt;
    }
    Plan plan;
    plan.plan_id = result[0][0].as<long long>();
    plan.window.start = epoch_or_null(result[0][1]);
    plan.window.end = result[0][2].as<long long>();
    plan.slices = result[0][3].as<int>();
    return plan;
}

std::vector<SliceState> load_slices(pqxx::transaction_base& txn, long long plan_id)
{
    std::vector<SliceState> slices;
    for (const pqxx::row& row :
         txn.exec_params(std::string(kSliceColumns) + " ORDER BY slice", plan_id)) {
        slices.push_back(slice_of(row));
    }
    return slices;
}

std::optional<SliceState> load_slice(pqxx::transaction_base& txn, long long plan_id, int slice)
{
    const pqxx::result result =
        txn.exec_params(std::string(kSliceColumns) + " AND slice = $2", plan_id, slice);
    if (result.empty()) {
        return std::nullopt;
    }
    return slice_of(result[0]);
}

long long create_plan(pqxx::transaction_base& txn, const Partition& partition,
                      const SliceWindow& window, const std::vector<SliceWindow>& slices)
{
    const TimeParam start(window.start);
    const TimeParam end(window.end);
    const long long plan_id =
        txn.exec_params1("INSERT INTO sync_plans (bucket, tag, queue_id, window_start, "
                         "window_end) VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz) "
                         "RETURNING plan_id",
                         partition.bucket(), partition.tag, partition.queue_id, start.get(),
                         end.get())[0]
            .as<long long>();
    for (std::size_t k = 0; k < slices.size(); ++k) {
        const TimeParam slice_start(slices[k].start);
        const TimeParam slice_end(slices[k].end);
        txn.exec_params("INSERT INTO sync_slices (plan_id, slice, window_start, window_end) "
                        "VALUES ($1, $2, $3::timestamptz, $4::timestamptz)",
                        plan_id, static_cast<int>(k), slice_start.get(), slice_end.get());
    }
    txn.exec_params("UPDATE sync_checkpoints SET walk_window_start = $4::timestamptz, "
                    "walk_window_end = $5::timestamptz, walk_started_at = now(), "
                    "last_run_at = now(), last_status = 'running' "
                    "WHERE bucket = $1 AND tag = $2 AND queue_id = $3",
                    partition.bucket(), partition.tag, partition.queue_id, start.get(), end.get());
    return plan_id;
}

bool record_page(pqxx::transaction_base& txn, const SliceClaim& claim,
                 const std::string& next_token, std::optional<UnixSeconds> last_creation_time,
                 long jobs_in_page)
{
    const TimeParam last(last_creation_time);
    const pqxx::result updated = txn.exec_params(
        std::string("UPDATE sync_slices s SET next_token = nullif($5, ''), "
                    "token_issued_at = CASE WHEN $5 = '' THEN NULL ELSE now() END, "
                    "last_creation_time = greatest(last_creation_time, $6::timestamptz), "
                    "pages = pages + 1, jobs = jobs + $7, last_page_at = now() "
                    "WHERE s.plan_id = $1 AND s.slice = $4") +
            held_by_worker("$8"),
        claim.plan_id, claim.round_id, claim.worker_id, claim.slice, next_token, last.get(),
        jobs_in_page, claim.claim_no);
    return updated.affected_rows() == 1;
}

bool restart_slice(pqxx::transaction_base& txn, const SliceClaim& claim,
                   std::optional<UnixSeconds> start)
{
    const TimeParam start_param(start);
    const pqxx::result updated = txn.exec_params(
        std::string("UPDATE sync_slices s SET window_start = $5::timestamptz, next_token = NULL, "
                    "token_issued_at = NULL WHERE s.plan_id = $1 AND s.slice = $4") +
            held_by_worker("$6"),
        claim.plan_id, claim.round_id, claim.worker_id, claim.slice, start_param.get(),
        claim.claim_no);
    return updated.affected_rows() == 1;
}

bool complete_slice(pqxx::transaction_base& txn, long long plan_id, int slice)
{
    if (!lock_plan(txn, plan_id)) {
        return false;
    }
    txn.exec_params("UPDATE sync_slices SET next_token = NULL, token_issued_at = NULL, "
                    "done_at = now() WHERE plan_id = $1 AND slice = $2",
                    plan_id, slice);
    // A fresh snapshot after the lock: a slice that ended just before us is seen.
    if (slices_left(txn, plan_id) > 0) {
        return false;
    }
    close_plan(txn, plan_id);
    return true;
}

bool close_if_done(pqxx::transaction_base& txn, long long plan_id)
{
    if (!lock_plan(txn, plan_id) || slices_left(txn, plan_id) > 0) {
        return false;
    }
    close_plan(txn, plan_id);
    return true;
}

bool made_before_round(pqxx::transaction_base& txn, long long plan_id, long long round_id)
{
    const pqxx::result result =
        txn.exec_params("SELECT p.created_at < r.opened_at FROM sync_plans p, sync_rounds r "
                        "WHERE p.plan_id = $1 AND r.round_id = $2",
                        plan_id, round_id);
    return !result.empty() && result[0][0].as<bool>();
}

} // namespace jobsync::plan_store
