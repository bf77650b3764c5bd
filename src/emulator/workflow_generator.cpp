#include "emulator/workflow_generator.hpp"

#include "emulator/prng.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace jobsync::emulator {
namespace {

// Tags no default partition lists: a task of one names a job /jobs never shows.
constexpr std::array<const char*, 2> kUnlistedTypes{"SmartCover", "VideoTag"};

bool unfinished(const std::string& state)
{
    return state == "Submitted" || state == "Running" || state == "Pause";
}

std::string derived_id(char prefix, std::string_view from)
{
    const std::uint64_t high = hash64(from);
    return prefix + hex64(high) + hex64(mix64(high));
}

RunTaskSpec job_task(const JobSpec& job)
{
    RunTaskSpec task;
    task.node_name = job.tag + "_1"; // the Workflow/Name the job carries
    task.type = job.tag;
    task.job_id = job.job_id;
    task.state = job.state;
    task.code = job.code;
    task.message = job.message;
    task.create_time = job.creation_time;
    task.start_time = job.start_time;
    task.end_time = job.end_time;
    return task;
}

// A task whose job belongs to a tag the partitions do not list; it runs
// while the run's job does and ends with it.
RunTaskSpec unlisted_task(const JobSpec& job, std::size_t number)
{
    const std::uint64_t draw = hash64(job.job_id + "/task" + std::to_string(number));
    RunTaskSpec task;
    task.type = kUnlistedTypes[number % kUnlistedTypes.size()];
    task.node_name = task.type + "_" + std::to_string(number + 2);
    task.job_id = derived_id('j', job.job_id + "/task" + std::to_string(number));
    task.create_time = job.creation_time;
    task.start_time = job.creation_time + 1;
    if (unfinished(job.state)) {
        task.state = "Running";
        task.code = "Success";
        return task;
    }
    task.end_time = std::max(*task.start_time, job.end_time.value_or(job.creation_time) + 2);
    const bool failed = draw % 8 == 0;
    task.state = failed ? "Failed" : "Success";
    task.code = failed ? "InvalidInput" : "Success";
    task.message = failed ? "The input file is not a valid media file" : "";
    return task;
}

std::string run_state(const std::vector<RunTaskSpec>& tasks)
{
    bool failed = false;
    bool cancelled = false;
    for (const RunTaskSpec& task : tasks) {
        if (unfinished(task.state)) {
            return "Running";
        }
        failed = failed || task.state == "Failed";
        cancelled = cancelled || task.state == "Cancel";
    }
    return failed ? "Failed" : cancelled ? "Cancel" : "Success";
}

std::string batch_id_for(const GeneratorOptions& options, std::string_view what)
{
    return derived_id('b', std::to_string(options.seed) + "/batch/" + std::string(what));
}

void add_workflow_batches(const GeneratorOptions& options, WorkflowData& data)
{
    std::map<std::string, std::vector<RunSpec*>> started; // by workflow id
    for (RunSpec& run : data.runs) {
        if (hash64(run.run_id + "/batch") % 4 == 0) {
            started[run.workflow_id].push_back(&run);
        }
    }
    for (auto& [workflow_id, runs] : started) {
        BatchJobSpec batch;
        batch.job_id = batch_id_for(options, workflow_id);
        batch.type = "Workflow";
        batch.name = "backfill-" + workflow_name_for_id(workflow_id);
        batch.workflow_id = workflow_id;
        batch.input_prefix = "input/";
        batch.creation_time = runs.front()->create_time - 60;
        batch.start_time = batch.creation_time + 1;
        batch.state = "Success";
        batch.code = "Success";
        UnixSeconds end = *batch.start_time;
        for (RunSpec* run : runs) {
            run->batch_job_id = batch.job_id;
            if (run->state == "Running") {
                batch.state = "Running";
            }
            for (const RunTaskSpec& task : run->tasks) {
                end = std::max(end, task.end_time.value_or(end));
            }
        }
        if (batch.state != "Running") {
            batch.end_time = end;
        }
        data.batch_jobs.push_back(std::move(batch));
    }
}

void add_job_batches(const GeneratorOptions& options, WorkflowData& data)
{
    for (int i = 0; i < 2; ++i) {
        BatchJobSpec batch;
        batch.job_id = batch_id_for(options, "job" + std::to_string(i));
        batch.type = "Job";
        batch.name = i == 0 ? "retranscode-archive" : "snapshot-old-uploads";
        batch.input_prefix = i == 0 ? "archive/" : "uploads/2023/";
        batch.creation_time = options.first_creation_time - 3600 * (i + 1);
        batch.start_time = batch.creation_time + 2;
        batch.end_time = batch.creation_time + 1800;
        batch.state = i == 0 ? "Success" : "Failed";
        batch.code = i == 0 ? "Success" : "InvalidParameter";
        batch.message = i == 0 ? "" : "Operation.QueueId is invalid";
        data.batch_jobs.push_back(std::move(batch));
    }
}

} // namespace

std::string job_id_of_run(const std::string& run_id)
{
    return run_id.empty() ? std::string() : "j" + run_id.substr(1);
}

WorkflowData derive_workflow_data(const GeneratorOptions& options,
                                  const std::vector<JobSpec>& workflow_jobs)
{
    WorkflowData data;
    std::map<std::string, WorkflowSpec> workflows;
    const std::uint64_t slots = std::max<std::uint64_t>(options.workflows, kWorkflowsWithJobs);
    const std::uint64_t first_paused = slots - slots / 4; // 12 slots: 9..11 are paused
    for (std::uint64_t slot = 0; slot < slots; ++slot) {
        WorkflowSpec workflow;
        workflow.workflow_id = workflow_id_for_slot(options.seed, slot);
        workflow.name = workflow_name_for_id(workflow.workflow_id);
        workflow.state = slot >= first_paused ? "Paused" : "Active";
        workflow.create_time =
            options.first_creation_time - 86400 * static_cast<UnixSeconds>(slot + 1);
        workflow.update_time = workflow.create_time + 3600;
        workflows.emplace(workflow.workflow_id, std::move(workflow));
    }
    for (const JobSpec& job : workflow_jobs) {
        RunSpec run;
        run.run_id = workflow_run_id_for(job);
        run.workflow_id = job.workflow_id;
        run.workflow_name = workflow_name_for(job);
        run.object = job.input_object;
        run.create_time = job.creation_time;
        run.tasks.push_back(job_task(job));
        const std::size_t extra = hash64(job.job_id + "/tasks") % 3;
        for (std::size_t i = 0; i < extra; ++i) {
            run.tasks.push_back(unlisted_task(job, i));
        }
        run.state = run_state(run.tasks);
        WorkflowSpec& workflow = workflows[job.workflow_id]; // a loaded job's may be new
        if (workflow.workflow_id.empty()) {
            workflow.workflow_id = job.workflow_id;
            workflow.name = run.workflow_name;
            workflow.state = "Active";
            workflow.create_time = options.first_creation_time;
            workflow.update_time = options.first_creation_time;
        }
        for (const RunTaskSpec& task : run.tasks) {
            if (std::find(workflow.node_names.begin(), workflow.node_names.end(), task.node_name) ==
                workflow.node_names.end()) {
                workflow.node_names.push_back(task.node_name);
            }
        }
        data.runs.push_back(std::move(run));
    }
    for (auto& entry : workflows) {
        std::sort(entry.second.node_names.begin(), entry.second.node_names.end());
        data.workflows.push_back(std::move(entry.second));
    }
    std::sort(data.runs.begin(), data.runs.end(), [](const RunSpec& a, const RunSpec& b) {
        return a.create_time != b.create_time ? a.create_time < b.create_time : a.run_id < b.run_id;
    });
    add_workflow_batches(options, data);
    add_job_batches(options, data);
    std::sort(data.batch_jobs.begin(), data.batch_jobs.end(),
              [](const BatchJobSpec& a, const BatchJobSpec& b) {
                  return a.creation_time != b.creation_time ? a.creation_time < b.creation_time
                                                            : a.job_id < b.job_id;
              });
    return data;
}

std::shared_ptr<const WorkflowData> WorkflowCatalog::current() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    const std::uint64_t version = dataset_.version();
    if (!data_ || version != version_) {
        data_ = std::make_shared<const WorkflowData>(
            derive_workflow_data(options_, dataset_.workflow_specs()));
        version_ = version;
    }
    return data_;
}

} // namespace jobsync::emulator
