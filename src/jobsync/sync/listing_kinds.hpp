// What differs between the partition kinds a slice walks (jobs, a workflow's
// runs, a bucket's batch jobs): the request of a page and what a page's
// transaction writes. Everything else (plan, slices, claim, fence,
// checkpoint, the paging policy) is the one machinery of plan_unit,
// slice_walk and page_walk.
#pragma once

#include "jobsync/api/ci_client.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/domain/partition.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/partition_outcome.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <functional>

namespace jobsync {

// What a kind does with a page: write it inside the slice's fenced page
// transaction, then, once that committed, count it (and, for runs, fetch the
// details it made due, fenced again).
template <typename Page> class PageWriter {
public:
    virtual ~PageWriter() = default;
    virtual PageWriteResult write(pqxx::work& txn, const Page& page) = 0;
    virtual void committed(const Page& page, const PageWriteResult& written,
                           PartitionStats& stats) = 0;
};

// Jobs: the job store (write_walked_page), counted as jobs.
class JobPageWriter : public PageWriter<JobsPage> {
public:
    JobPageWriter(JobStore& store, const Partition& partition)
        : store_(store), partition_(partition)
    {
    }
    PageWriteResult write(pqxx::work& txn, const JobsPage& page) override;
    void committed(const JobsPage& page, const PageWriteResult& written,
                   PartitionStats& stats) override;

private:
    JobStore& store_;
    const Partition& partition_;
};

// A workflow's runs (GET /workflowexecution?workflowId=, inclusive bounds).
class RunPages : public PageSource<WorkflowRunPage> {
public:
    RunPages(CiClient& client, const Partition& partition, int page_size)
        : client_(client), partition_(partition), page_size_(page_size)
    {
    }
    WorkflowRunPage fetch(const PagePosition& at) override;

private:
    CiClient& client_;
    const Partition& partition_;
    int page_size_;
};

// Runs into workflow_runs; after the commit, the details of the page's runs
// whose tasks are due (run_details.hpp), in transactions `fence` opens.
class RunPageWriter : public PageWriter<WorkflowRunPage> {
public:
    RunPageWriter(CiClient& client, pqxx::connection& conn, const Partition& partition,
                  std::function<bool(pqxx::work&)> fence, const std::atomic<bool>* stop_flag)
        : client_(client), conn_(conn), partition_(partition), fence_(std::move(fence)),
          stop_flag_(stop_flag)
    {
    }
    PageWriteResult write(pqxx::work& txn, const WorkflowRunPage& page) override;
    void committed(const WorkflowRunPage& page, const PageWriteResult& written,
                   PartitionStats& stats) override;
    // The fence failed while writing details: the caller's walk stops.
    bool lost() const { return lost_; }

private:
    CiClient& client_;
    pqxx::connection& conn_;
    const Partition& partition_;
    std::function<bool(pqxx::work&)> fence_;
    const std::atomic<bool>* stop_flag_;
    bool lost_ = false;
};

// The bucket's batch jobs (GET /inventorytriggerjob, inclusive bounds).
class BatchJobPages : public PageSource<BatchJobPage> {
public:
    BatchJobPages(CiClient& client, int page_size) : client_(client), page_size_(page_size) {}
    BatchJobPage fetch(const PagePosition& at) override;

private:
    CiClient& client_;
    int page_size_;
};

class BatchJobPageWriter : public PageWriter<BatchJobPage> {
public:
    explicit BatchJobPageWriter(const Partition& partition) : partition_(partition) {}
    PageWriteResult write(pqxx::work& txn, const BatchJobPage& page) override;
    void committed(const BatchJobPage& page, const PageWriteResult& written,
                   PartitionStats& stats) override;

private:
    const Partition& partition_;
};

} // namespace jobsync
