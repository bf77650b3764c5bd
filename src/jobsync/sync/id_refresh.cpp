#include "jobsync/sync/id_refresh.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/sync/page_commit.hpp"

#include <algorithm>

namespace jobsync {
namespace {

using refresh_store::JobToRefresh;

std::string denied_note(const std::string& error)
{
    return "GET /jobs/<ids> refused (" + error +
           "): the key needs the CAM permission ci:DescribeMediaJob to refresh by id; until "
           "then older unfinished jobs are refreshed by re-walk";
}

// The refused ids of a batch: the oldest one's creation time and a note.
void leave_refused(const std::vector<JobToRefresh>& batch, const std::vector<std::string>& refused,
                   IdRefreshResult& result)
{
    for (const JobToRefresh& job : batch) { // oldest first
        if (std::find(refused.begin(), refused.end(), job.job_id) == refused.end()) {
            continue;
        }
        result.left_from = job.creation_time;
        result.note = "job " + job.job_id +
                      (is_plain_job_id(job.job_id)
                           ? " was refused by GET /jobs/<ids> (HTTP 400)"
                           : " cannot be asked for by id (not letters, digits, '-', '_')") +
                      "; it and the newer unfinished jobs were refreshed by re-walk";
        return;
    }
}

void add(IdRefreshResult& total, const IdRefreshResult& part)
{
    total.jobs += part.jobs;
    total.requests += part.requests;
    total.vanished += part.vanished;
    total.written += part.written;
}

} // namespace

IdRefreshResult refresh_by_id(pqxx::connection& conn, CiClient& client, JobStore& store,
                              const Partition& partition, const std::vector<JobToRefresh>& jobs,
                              OnRefusedId on_refused, const std::atomic<bool>* stop_flag)
{
    IdRefreshResult result;
    const long requests_before = client.counters().requests;
    const auto size = static_cast<std::size_t>(client.id_batch_size());
    for (std::size_t done = 0; done < jobs.size() && !result.left_from; done += size) {
        if (stop_flag != nullptr && stop_flag->load()) {
            throw RunError("interrupted");
        }
        const std::vector<JobToRefresh> batch(
            jobs.begin() + static_cast<long>(done),
            jobs.begin() + static_cast<long>(std::min(jobs.size(), done + size)));
        std::vector<std::string> ids;
        for (const JobToRefresh& job : batch) {
            ids.push_back(job.job_id);
        }
        JobsById found;
        try {
            found = client.describe_jobs(ids);
        } catch (const PartitionError& e) {
            // The key lacks the permission, or the endpoint is not there:
            // no id of this run's partitions of the bucket can be fetched.
            const long status = e.details().http_status;
            if (status != 403 && status != 404) {
                throw;
            }
            if (client.by_id_refusals().record(partition.bucket(), e.what())) {
                log_warn("GET /jobs/<ids> refused; this run refreshes the bucket's unfinished "
                         "jobs by re-walk (grant the key ci:DescribeMediaJob)",
                         {{"bucket", partition.bucket()}, {"error", e.what()}});
            }
            result.left_from = batch.front().creation_time;
            result.note = denied_note(*client.by_id_refusals().refusal(partition.bucket()));
            break;
        }
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
        if (on_refused == OnRefusedId::leave_to_walk) {
            leave_refused(batch, found.refused_ids, result);
        }
    }
    result.requests = client.counters().requests - requests_before;
    return result;
}

OlderRefresh refresh_before_walk(pqxx::connection& conn, CiClient& client, JobStore& store,
                                 const Partition& partition, UnixSeconds start,
                                 UnixSeconds horizon_start, int page_size,
                                 const std::atomic<bool>* stop_flag)
{
    OlderRefresh out;
    out.start = start;
    const std::optional<std::string> denied = client.by_id_refusals().refusal(partition.bucket());
    std::vector<JobToRefresh> by_id;
    std::vector<JobToRefresh> vanished;
    {
        pqxx::read_transaction txn(conn);
        const auto older = refresh_store::older_unfinished(txn, partition, horizon_start, start);
        if (older.count > 0) {
            const RefreshPlan plan = plan_refresh(
                {older.count, refresh_store::jobs_between(txn, partition, *older.oldest, start),
                 page_size, client.id_batch_size()});
            log_debug("older unfinished jobs",
                      {{"partition", partition.label()},
                       {"unfinished", std::to_string(older.count)},
                       {"walk_requests", std::to_string(plan.walk_requests)},
                       {"by_id_requests", std::to_string(plan.by_id_requests)},
                       {"chosen", to_string(plan.mode)}});
            out.mode = denied ? RefreshMode::walk : plan.mode;
            if (out.mode == RefreshMode::walk) {
                out.start = *older.oldest - 1; // bounds are exclusive: start a second early
                if (plan.mode == RefreshMode::by_id) {
                    out.note = denied_note(*denied);
                }
            } else {
                by_id = refresh_store::older_unfinished_jobs(txn, partition, horizon_start, start);
            }
        }
        vanished = refresh_store::vanished_due(txn, partition, horizon_start);
    }
    if (!by_id.empty()) {
        out.by_id = refresh_by_id(conn, client, store, partition, by_id, OnRefusedId::leave_to_walk,
                                  stop_flag);
        if (out.by_id.left_from) {
            out.start = *out.by_id.left_from - 1;
            out.mode = RefreshMode::walk;
            out.note = out.by_id.note;
            log_info("refreshing the partition's remaining older unfinished jobs by re-walk",
                     {{"partition", partition.label()},
                      {"from", format_iso_utc(*out.by_id.left_from)},
                      {"reason", out.note}});
        }
    }
    if (vanished.empty()) {
        return out;
    }
    // Asked by id only: a re-walk that does not list a job cannot tell.
    if (const auto refused = client.by_id_refusals().refusal(partition.bucket())) {
        if (out.note.empty()) {
            out.note = denied_note(*refused);
        }
        return out;
    }
    const IdRefreshResult rechecked =
        refresh_by_id(conn, client, store, partition, vanished, OnRefusedId::skip, stop_flag);
    add(out.by_id, rechecked);
    out.reappeared = rechecked.jobs;
    if (out.note.empty()) {
        out.note = rechecked.note;
    }
    return out;
}

} // namespace jobsync
