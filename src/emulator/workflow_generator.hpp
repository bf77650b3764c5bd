// The bucket's workflows, their runs and its batch jobs, derived
// deterministically from the seed and the dataset's jobs: each
// workflow-triggered job is the first task of its run (the run id its
// Workflow element names), so a run's state follows its job's, and a run
// finishes when its job does.
#pragma once

#include "emulator/dataset.hpp"
#include "emulator/job_generator.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace jobsync::emulator {

struct WorkflowSpec {
    std::string workflow_id, name, state; // state Active | Paused
    UnixSeconds create_time = 0, update_time = 0;
    std::vector<std::string> node_names; // Topology nodes besides Start and End
};

struct RunTaskSpec {
    std::string node_name, type, job_id, state, code, message;
    UnixSeconds create_time = 0;
    std::optional<UnixSeconds> start_time, end_time;
};

struct RunSpec {
    std::string run_id, workflow_id, workflow_name, object, state;
    std::string batch_job_id; // "" => triggered by an upload, not a batch job
    UnixSeconds create_time = 0;
    std::vector<RunTaskSpec> tasks; // the job's task first, then tasks of unlisted tags
};

struct BatchJobSpec {
    std::string job_id, type, name, state, code, message, workflow_id, input_prefix;
    UnixSeconds creation_time = 0;
    std::optional<UnixSeconds> start_time, end_time;
};

struct WorkflowData {
    std::vector<WorkflowSpec> workflows;  // sorted by workflow id
    std::vector<RunSpec> runs;            // sorted by (create_time, run_id)
    std::vector<BatchJobSpec> batch_jobs; // sorted by (creation_time, job_id)
};

// Deterministic for (options, jobs): the workflows of every slot (some
// paused, most without runs), one run per workflow-triggered job with up to
// two more tasks whose JobIds no /jobs listing holds, one Workflow batch job
// per workflow with runs (it started about a quarter of them) and two Job ones.
WorkflowData derive_workflow_data(const GeneratorOptions& options,
                                  const std::vector<JobSpec>& workflow_jobs);

// The anchor job of a run: run ids are the job id with 'i' for its 'j'.
std::string job_id_of_run(const std::string& run_id);

// derive_workflow_data over the dataset, recomputed only after it changed.
class WorkflowCatalog {
public:
    WorkflowCatalog(const Dataset& dataset, GeneratorOptions options)
        : dataset_(dataset), options_(std::move(options))
    {
    }

    std::shared_ptr<const WorkflowData> current() const;

private:
    const Dataset& dataset_;
    GeneratorOptions options_;
    mutable std::mutex mutex_;
    mutable std::uint64_t version_ = 0;
    mutable std::shared_ptr<const WorkflowData> data_;
};

} // namespace jobsync::emulator
