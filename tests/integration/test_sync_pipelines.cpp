// Workflow runs and batch jobs walked by sync's one unit of work (issue 23):
// a discovering source stores every run with its tasks and every batch job,
// keeps a checkpoint per workflow; a run with nothing new costs one listing
// per workflow and batch listing plus a detail per unfinished run; a key
// refused /workflowexecution fails only the runs partitions.
#include "emulator/emulator_server.hpp"
#include "emulator/workflow_generator.hpp"
#include "support/emulator_client.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>

using namespace testing;
using jobsync::emulator::WorkflowData;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot"};

// A source with workflows = "discover" and batch_jobs = true over the
// emulator's generated jobs; pages of 10, no lookback (a second run reads
// nothing again).
struct PipelineSync {
    PipelineSync(TempDatabase& db, std::uint64_t seed)
        : emulator(unfinished(generated_jobs(300, seed, kTags)))
    {
        ConfigSpec spec = spec_for(emulator);
        spec.sync_extra = "page_size = 10\nlookback = \"0s\"\n";
        std::string text = config_text(db, spec);
        const std::string bucket_line = "bucket = \"" + spec.bucket + "\"\n";
        const std::size_t at = text.find(bucket_line);
        REQUIRE(at != std::string::npos);
        text.insert(at + bucket_line.size(), "workflows = \"discover\"\nbatch_jobs = true\n");
        config = jobsync::load_config(write_temp_file(text));
    }

    static jobsync::emulator::GeneratorOptions unfinished(jobsync::emulator::GeneratorOptions g)
    {
        g.old_unfinished_rate = 0.2;
        return g;
    }

    // What the server serves: runs and batch jobs follow the dataset's jobs;
    // its workflow catalog comes from the server's own generator options
    // (EmulatorFixture leaves them at their defaults).
    WorkflowData data() const
    {
        WorkflowData data = jobsync::emulator::derive_workflow_data(
            emulator.generator, emulator.dataset.workflow_specs());
        data.workflows =
            jobsync::emulator::derive_workflow_data(jobsync::emulator::ServerOptions{}.generator,
                                                    emulator.dataset.workflow_specs())
                .workflows;
        return data;
    }

    EmulatorFixture emulator;
    jobsync::Config config;
};

bool finished(const std::string& state)
{
    return state == "Success" || state == "Failed" || state == "Cancel";
}

// Each run as the emulator has it: id, workflow, state, tasks in order.
std::string expected_runs(const WorkflowData& data)
{
    std::string text;
    std::vector<jobsync::emulator::RunSpec> runs = data.runs;
    std::sort(runs.begin(), runs.end(),
              [](const auto& a, const auto& b) { return a.run_id < b.run_id; });
    for (const auto& run : runs) {
        text += run.run_id + " " + run.workflow_id + " " + run.state;
        for (const auto& task : run.tasks) {
            text += " " + task.job_id + ":" + task.state;
        }
        text += "\n";
    }
    return text;
}

std::string stored_runs(const TempDatabase& db)
{
    return db.scalar(
        "SELECT coalesce(string_agg(line, '' ORDER BY run_id), '') FROM ("
        "SELECT r.run_id, r.run_id || ' ' || r.workflow_id || ' ' || r.state || "
        "coalesce((SELECT string_agg(' ' || t.job_id || ':' || t.state, '' ORDER BY t.ordinal) "
        "FROM workflow_run_tasks t WHERE t.run_id = r.run_id), '') || E'\\n' AS line "
        "FROM workflow_runs r) lines");
}

} // namespace

TEST_CASE("sync: every run with its tasks and every batch job, one partition per workflow")
{
    TempDatabase db;
    PipelineSync setup(db, 2301);
    const WorkflowData data = setup.data();
    REQUIRE(data.runs.size() > 10); // more than a page of runs for some workflow
    REQUIRE_FALSE(data.batch_jobs.empty());

    const jobsync::SyncSummary first = sync_once(setup.config);
    CHECK(first.failed == 0);
    CHECK(db.count("workflows") == static_cast<long long>(data.workflows.size()));
    CHECK(stored_runs(db) == expected_runs(data));
    CHECK(db.count("batch_jobs") == static_cast<long long>(data.batch_jobs.size()));
    CHECK(db.scalar("SELECT count(*) FROM workflow_runs WHERE detail_synced_at IS NULL") == "0");
    // One checkpoint per workflow (and the batch listing), its cursor moved.
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE tag = 'workflow_runs' AND "
                    "cursor IS NOT NULL") == std::to_string(data.workflows.size()));
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE tag = 'batch_jobs' AND "
                    "queue_id = '' AND cursor IS NOT NULL") == "1");

    // Nothing new: /workflow's pages, one listing per workflow and one of
    // batch jobs, one detail per unfinished run; a finished run is not asked again.
    long unfinished_runs = 0;
    for (const auto& run : data.runs) {
        unfinished_runs += finished(run.state) ? 0 : 1;
    }
    REQUIRE(unfinished_runs > 0);
    const long workflows = static_cast<long>(data.workflows.size());
    const long discovery_pages = std::max(1L, (workflows + 99) / 100);
    // A window with no second left sends nothing: wait until the next one
    // (which starts at the cursor, settle_delay 30 s) holds a second.
    wait_until(
        [&] {
            return db.scalar("SELECT bool_and(now() - interval '31 seconds' >= cursor) FROM "
                             "sync_checkpoints WHERE tag = 'workflow_runs'") == "t";
        },
        std::chrono::seconds(30), "the next runs window holds a second");
    setup.emulator.server->reset_stats();
    const jobsync::SyncSummary second = sync_once(setup.config);
    CHECK(second.failed == 0);
    CHECK(setup.emulator.server->stats().workflow_requests ==
          discovery_pages + workflows + 1 + unfinished_runs);
    CHECK(stored_runs(db) == expected_runs(data));

    // Every run finishes (its jobs do): the next sync refreshes them.
    REQUIRE(admin(setup.emulator.server->port(), "POST", "/_emulator/finish").status == 200);
    const WorkflowData done = setup.data();
    CHECK(expected_runs(done) != expected_runs(data));
    CHECK(sync_once(setup.config).failed == 0);
    CHECK(stored_runs(db) == expected_runs(done));
    CHECK(db.scalar("SELECT count(*) FROM workflow_runs WHERE state NOT IN ('Success', "
                    "'Failed', 'Cancel')") == "0");
}

TEST_CASE("sync: a key refused /workflowexecution fails only the runs partitions")
{
    TempDatabase db;
    PipelineSync setup(db, 2302);
    const WorkflowData data = setup.data();
    jobsync::emulator::FaultOptions denied;
    denied.denied_path = "/workflowexecution";
    setup.emulator.server->set_faults(denied);

    const jobsync::SyncSummary summary = sync_once(setup.config);
    CHECK(summary.failed == static_cast<int>(data.workflows.size()));
    for (const jobsync::PartitionReport& report : summary.reports) {
        INFO(report.label);
        const bool runs = report.tag == "workflow_runs";
        CHECK((report.outcome.status == jobsync::PartitionStatus::failed) == runs);
        if (runs) {
            CHECK(report.outcome.error.find("AccessDenied") != std::string::npos);
        }
    }
    CHECK(db.count("workflow_runs") == 0);
    CHECK(db.count("batch_jobs") == static_cast<long long>(data.batch_jobs.size()));
    CHECK(db.scalar("SELECT count(*) FROM jobs") != "0");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE tag = 'workflow_runs' AND "
                    "last_status = 'failed'") == std::to_string(data.workflows.size()));
}
