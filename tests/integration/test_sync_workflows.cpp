// Issue 23's sync of workflow runs and batch jobs, end to end: the
// ci-jobsync binary against the emulator (real HTTP over loopback) and a
// real PostgreSQL. Discovery pages through more workflows than one page;
// every run, task and batch job is stored as the emulator serves it; runs
// that finish later are updated by the next sync and a finished run is never
// fetched again (the emulator's request log); a SIGKILL after a committed
// page converges on rerun; a key refused on /workflowexecution fails only
// those partitions; a run in the boundary second of two windows is listed by
// exactly one; v_workflow_runs answers what the base tables answer.
#include "emulator/query_params.hpp"
#include "emulator/workflow_generator.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/dataset_assertions.hpp"
#include "support/emulator_client.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"
#include "support/workflow_comparison.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>

using namespace testing;
using jobsync::UnixSeconds;
using jobsync::emulator::LoggedRequest;
using jobsync::emulator::RunSpec;
using jobsync::emulator::WorkflowData;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot"};
const std::string kWorkflowKeys = "workflows = \"discover\"\nbatch_jobs = true\n";

// Jobs two days old, so nothing is inside the default lookback; with
// `paused_rate`, that share of them stays paused (their runs Running).
jobsync::emulator::GeneratorOptions workflow_jobs(std::size_t count, std::uint64_t seed,
                                                  std::size_t workflows = 12,
                                                  double paused_rate = 0)
{
    jobsync::emulator::GeneratorOptions options = generated_jobs(count, seed, kTags);
    options.workflows = workflows;
    options.spacing_seconds = 10;
    options.first_creation_time = jobsync::now_unix_seconds() - 2 * 86400;
    options.old_unfinished_rate = paused_rate;
    return options;
}

// An emulator fixture whose server serves the workflows of its own generator
// options (EmulatorFixture's server keeps the defaults: 12 workflows of
// another seed beside the dataset's): its server replaced by one that has them.
std::unique_ptr<EmulatorFixture>
workflow_emulator(const jobsync::emulator::GeneratorOptions& generator,
                  const jobsync::emulator::FaultOptions& faults = {})
{
    auto fixture = std::make_unique<EmulatorFixture>(generator, faults);
    jobsync::emulator::ServerOptions options;
    options.secret_id = kTestSecretId;
    options.secret_key = kTestSecretKey;
    options.faults = faults;
    options.admin_token = kAdminToken;
    options.generator = generator;
    fixture->server.reset();
    fixture->server =
        std::make_unique<jobsync::emulator::EmulatorServer>(fixture->dataset, options);
    fixture->server->start();
    return fixture;
}

// A config file for the emulator's source with the workflow keys; `schema`
// replaces the test database's schema when given.
std::string workflow_config(const TempDatabase& db, const EmulatorFixture& emulator,
                            const std::string& sync_extra = "",
                            const std::string& source_keys = kWorkflowKeys,
                            const std::string& schema = "")
{
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = sync_extra;
    std::string text = config_text(db, spec);
    const std::string endpoint_line = "endpoint = \"" + spec.endpoint + "\"\n";
    text.insert(text.find(endpoint_line) + endpoint_line.size(), source_keys);
    if (!schema.empty()) {
        const std::string from = "schema = \"" + db.schema() + "\"";
        text.replace(text.find(from), from.size(), "schema = \"" + schema + "\"");
    }
    return write_temp_file(text);
}

ProcessResult sync(const std::string& config_path, const std::vector<std::string>& extra = {})
{
    std::vector<std::string> args{"--config", config_path, "sync"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_jobsync(args);
}

WorkflowData served(const EmulatorFixture& emulator)
{
    return jobsync::emulator::derive_workflow_data(emulator.generator,
                                                   emulator.dataset.workflow_specs());
}

void require_same_as_served(const TempDatabase& db, const EmulatorFixture& emulator)
{
    const auto differences =
        compare_with_workflow_data(db, served(emulator), emulator.generator.bucket);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    REQUIRE(differences.empty());
}

std::string param(const LoggedRequest& request, const char* name)
{
    const jobsync::QueryParams params = jobsync::emulator::parse_query(request.query);
    const std::string* value = jobsync::emulator::find_param(params, name);
    return value ? *value : std::string();
}

bool is_run_detail(const LoggedRequest& request)
{
    return request.status == 200 && request.path.rfind("/workflowexecution/", 0) == 0;
}

// The run ids whose detail the emulator served, with how many times each.
std::map<std::string, int> details_fetched(const EmulatorFixture& emulator)
{
    std::map<std::string, int> fetched;
    for (const LoggedRequest& request : emulator.server->request_log()) {
        if (is_run_detail(request)) {
            ++fetched[request.path.substr(std::string("/workflowexecution/").size())];
        }
    }
    return fetched;
}

std::map<std::string, int> once_each(const std::set<std::string>& run_ids)
{
    std::map<std::string, int> counts;
    for (const std::string& id : run_ids) {
        counts[id] = 1;
    }
    return counts;
}

std::set<std::string> workflow_ids(const WorkflowData& data)
{
    std::set<std::string> ids;
    for (const auto& workflow : data.workflows) {
        ids.insert(workflow.workflow_id);
    }
    return ids;
}

// Committed progress of the workflow listings: their rows.
std::string progress(const TempDatabase& db)
{
    return db.scalar("SELECT (SELECT count(*) FROM workflow_runs) || '/' || (SELECT count(*) "
                     "FROM workflow_run_tasks) || '/' || (SELECT count(*) FROM batch_jobs)");
}

} // namespace

TEST_CASE("sync workflows: discovery pages through more workflows than one GET /workflow page")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const auto owned = workflow_emulator(workflow_jobs(600, 2301, 230));
    EmulatorFixture& emulator = *owned;
    const std::string config = workflow_config(db, emulator);
    const ProcessResult run = sync(config);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);

    // Every page of the 230 workflows was asked for (at most 100 a page), and
    // each workflow's runs were listed, the last page's too.
    std::set<std::string> pages;
    std::set<std::string> listed;
    for (const LoggedRequest& request : emulator.server->request_log()) {
        if (request.path == "/workflow" && request.status == 200) {
            pages.insert(param(request, "pageNumber"));
        }
        if (request.path == "/workflowexecution" && request.status == 200) {
            listed.insert(param(request, "workflowId"));
        }
    }
    CHECK(pages.size() >= 3);
    const WorkflowData data = served(emulator);
    REQUIRE(data.workflows.size() == 230);
    CHECK(listed == workflow_ids(data));
    require_same_as_served(db, emulator);
}

TEST_CASE("sync workflows: every run, task and batch job is stored as the emulator serves it")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const auto owned = workflow_emulator(workflow_jobs(1500, 2302, 12, 0.1));
    EmulatorFixture& emulator = *owned;
    const std::string config = workflow_config(db, emulator);
    const ProcessResult run = sync(config);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);

    const WorkflowData data = served(emulator);
    REQUIRE(data.runs.size() > 100);
    REQUIRE(data.batch_jobs.size() >= 3);
    require_same_as_served(db, emulator);
    require_same_as_dataset(db, emulator);
    // Tasks of unlisted tags are kept; only the runs' first tasks join a job.
    std::size_t tasks = 0;
    for (const RunSpec& spec : data.runs) {
        tasks += spec.tasks.size();
    }
    REQUIRE(tasks > data.runs.size());
    CHECK(db.scalar("SELECT count(*) FROM workflow_run_tasks t JOIN jobs j USING (job_id)") ==
          std::to_string(data.runs.size()));
    // Each new run's detail was fetched once.
    std::set<std::string> all;
    for (const RunSpec& spec : data.runs) {
        all.insert(spec.run_id);
    }
    CHECK(details_fetched(emulator) == once_each(all));
}

TEST_CASE("sync workflows: runs that finish later are updated by the next sync; a finished run "
          "is never fetched again; a no-op run costs a request per listing")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const auto owned = workflow_emulator(workflow_jobs(1500, 2303, 12, 0.2));
    EmulatorFixture& emulator = *owned;
    const std::string config = workflow_config(db, emulator);
    REQUIRE(sync(config).exit_code == 0);
    require_same_as_served(db, emulator);

    const std::set<std::string> unfinished =
        row_set(db, "SELECT run_id FROM workflow_runs WHERE state = 'Running'");
    REQUIRE(unfinished.size() >= 6);
    std::set<std::string> finishing;
    std::string finish_list;
    for (const std::string& id : unfinished) {
        if (finishing.size() < unfinished.size() / 2) {
            finishing.insert(id);
            finish_list += (finish_list.empty() ? "" : ",") + id;
        }
    }
    REQUIRE(admin(emulator.server->port(), "POST", "/_emulator/finish?runs=" + finish_list).body ==
            std::to_string(finishing.size()) + "\n");

    // The next sync fetches exactly the runs it stored unfinished, once each,
    // and stores their new state and tasks.
    emulator.server->reset_stats();
    const ProcessResult second = sync(config);
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    CHECK(details_fetched(emulator) == once_each(unfinished));
    require_same_as_served(db, emulator);
    for (const std::string& id : finishing) {
        INFO(id);
        CHECK(db.scalar("SELECT state <> 'Running' AND tasks_running = 0 FROM v_workflow_runs "
                        "WHERE run_id = '" +
                        id + "'") == "t");
    }

    // Nothing changed since: one page per workflow's runs and one of batch
    // jobs, one detail per run still unfinished, no other.
    std::set<std::string> still_unfinished;
    std::set_difference(unfinished.begin(), unfinished.end(), finishing.begin(), finishing.end(),
                        std::inserter(still_unfinished, still_unfinished.end()));
    emulator.server->reset_stats();
    const ProcessResult noop = sync(config);
    INFO(noop.output);
    REQUIRE(noop.exit_code == 0);
    CHECK(details_fetched(emulator) == once_each(still_unfinished));
    const jobsync::emulator::ServerStats stats = emulator.server->stats();
    CHECK(stats.run_list_requests == 12);
    CHECK(stats.batch_list_requests == 1);
    // Discovery: the pages of 12 workflows at the page size the sync asks for.
    long page_size = 0;
    for (const LoggedRequest& request : emulator.server->request_log()) {
        if (request.path == "/workflow" && page_size == 0) {
            const std::string size = param(request, "pageSize");
            page_size = size.empty() ? 10 : std::stol(size); // the API's default
        }
    }
    REQUIRE(page_size > 0);
    CHECK(stats.workflow_list_requests == (12 + page_size - 1) / page_size);
    CHECK(stats.run_detail_requests == static_cast<long>(still_unfinished.size()));
    CHECK(stats.batch_detail_requests == 0);
    require_same_as_served(db, emulator);
}

TEST_CASE("sync workflows: SIGKILL after committed pages, under faults, converges on rerun to an "
          "unkilled reference")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    db.scalar("DROP SCHEMA IF EXISTS wf_reference CASCADE");
    // Slow and faulty answers (5xx, bodies cut in half), as in test_chaos.
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = 3;
    faults.server_error_rate = 0.03;
    faults.truncate_rate = 0.03;
    const auto owned = workflow_emulator(workflow_jobs(2500, 2304, 12, 0.1), faults);
    EmulatorFixture& emulator = *owned;
    const std::string sync_extra = "page_size = 10\nmax_attempts = 8\n";
    const std::string config = workflow_config(db, emulator, sync_extra);

    int kills = 0;
    for (int round = 0; round < 8 && kills < 4; ++round) {
        const std::string before = progress(db);
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config, "sync"});
        wait_until([&] { return !worker.running() || progress(db) != before; },
                   std::chrono::minutes(3), "a workflow page committed by the run to kill");
        if (worker.running()) {
            worker.send_signal(SIGKILL);
            CHECK(worker.wait().exit_code == 128 + SIGKILL);
            ++kills;
        } else {
            worker.wait();
        }
    }
    REQUIRE(kills >= 2);
    emulator.server->set_faults({});
    const ProcessResult rerun = sync(config, {"--wait-lock", "30"});
    INFO(rerun.output);
    REQUIRE(rerun.exit_code == 0);
    require_same_as_served(db, emulator);

    // The same data synced without a kill, into a schema of its own: equal row for row.
    const ProcessResult reference =
        sync(workflow_config(db, emulator, sync_extra, kWorkflowKeys, "wf_reference"));
    INFO(reference.output);
    REQUIRE(reference.exit_code == 0);
    const std::map<std::string, std::string> columns{
        {"workflow_runs", "run_id, bucket, workflow_id, workflow_name, object, state, "
                          "create_time, detail::text, detail_synced_at IS NULL"},
        {"workflow_run_tasks", "run_id, ordinal, node_name, type, job_id, state, code, message, "
                               "create_time, start_time, end_time"},
        {"batch_jobs", "job_id, bucket, type, name, state, code, message, creation_time, "
                       "start_time, end_time, detail::text"}};
    for (const auto& [table, list] : columns) {
        INFO(table);
        const std::string ours = "SELECT " + list + " FROM " + db.schema() + "." + table;
        const std::string theirs = "SELECT " + list + " FROM wf_reference." + table;
        CHECK(db.scalar("SELECT count(*) FROM ((" + ours + " EXCEPT " + theirs + ") UNION ALL (" +
                        theirs + " EXCEPT " + ours + ")) d") == "0");
        CHECK(db.scalar("SELECT count(*) FROM wf_reference." + table) ==
              db.scalar("SELECT count(*) FROM " + table));
    }
    db.scalar("DROP SCHEMA wf_reference CASCADE");
}

TEST_CASE("sync workflows: a key refused on /workflowexecution fails only the run partitions")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::emulator::FaultOptions denied;
    denied.denied_path = "/workflowexecution";
    const auto owned = workflow_emulator(workflow_jobs(600, 2305), denied);
    EmulatorFixture& emulator = *owned;
    const std::string config = workflow_config(db, emulator, "max_attempts = 2\n");
    const ProcessResult run = sync(config);
    INFO(run.output);
    CHECK(run.exit_code == 1);

    // The job partitions and the batch-job listing are complete; no run is stored.
    require_same_as_dataset(db, emulator);
    CHECK(compare_batch_jobs(db, served(emulator), emulator.generator.bucket).empty());
    CHECK(db.count("workflow_runs") == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE tag IN ('Transcode', "
                    "'Snapshot') AND last_status = 'ok'") == "2");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_error LIKE "
                    "'%AccessDenied%'") == "12");

    // status names each failed partition by its workflow, with the service's error.
    const ProcessResult status = run_jobsync({"--config", config, "status"});
    INFO(status.output);
    for (const std::string& workflow : workflow_ids(served(emulator))) {
        CHECK_THAT(status.output, Catch::Contains(workflow));
    }
    CHECK_THAT(status.output, Catch::Contains("AccessDenied"));
    CHECK(run.output.find(kTestSecretKey) == std::string::npos);

    // Granted again: the next sync stores every run.
    emulator.server->set_faults({});
    const ProcessResult granted = sync(config);
    INFO(granted.output);
    CHECK(granted.exit_code == 0);
    require_same_as_served(db, emulator);
}

TEST_CASE("sync workflows: a run in the boundary second of two windows is listed by exactly one "
          "and stored")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const auto owned = workflow_emulator(workflow_jobs(200, 2306));
    EmulatorFixture& emulator = *owned;
    // Windows meet (no lookback) and end 10 s before now; two runs a second
    // over the 16 s around the first window's end, on every workflow with runs.
    const std::string config = workflow_config(db, emulator,
                                               "lookback = \"0s\"\n"
                                               "settle_delay = \"10s\"\n");
    const UnixSeconds now = jobsync::now_unix_seconds();
    std::uint64_t index = 700000;
    for (UnixSeconds second = now - 16; second <= now; ++second) {
        for (std::uint64_t slot = 0; slot < 2; ++slot, ++index) {
            auto job =
                jobsync::emulator::generate_job(emulator.generator, index, "Transcode", second);
            const auto workflow_slot = static_cast<std::uint64_t>(second) + slot;
            job.workflow_id =
                jobsync::emulator::workflow_id_for_slot(emulator.generator.seed, workflow_slot % 3);
            emulator.dataset.add(std::move(job));
        }
    }
    const ProcessResult first = sync(config);
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    const std::vector<LoggedRequest> first_log = emulator.server->request_log();
    emulator.server->reset_stats();
    wait_until(
        [&] {
            return std::stoll(db.scalar("SELECT floor(extract(epoch FROM now()))::bigint")) >=
                   now + 12;
        },
        std::chrono::minutes(1), "the database clock past the last run plus the settle delay");
    const ProcessResult second = sync(config);
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    const std::vector<LoggedRequest> second_log = emulator.server->request_log();

    // Per workflow, the windows of both syncs (a window: the bounds of a
    // listing's first page); each run lies in exactly one of them.
    struct Window {
        std::optional<UnixSeconds> start, end;
        bool holds(UnixSeconds t) const { return (!start || t >= *start) && (!end || t <= *end); }
        bool operator<(const Window& other) const
        {
            return std::make_pair(start, end) < std::make_pair(other.start, other.end);
        }
    };
    std::map<std::string, std::set<Window>> windows[2];
    for (int pass = 0; pass < 2; ++pass) {
        for (const LoggedRequest& request : pass == 0 ? first_log : second_log) {
            if (request.path != "/workflowexecution" || request.status != 200 ||
                !param(request, "nextToken").empty()) {
                continue;
            }
            const std::string start = param(request, "startCreationTime");
            const std::string end = param(request, "endCreationTime");
            Window window;
            window.start = start.empty() ? std::nullopt : jobsync::parse_api_time(start);
            window.end = end.empty() ? std::nullopt : jobsync::parse_api_time(end);
            windows[pass][param(request, "workflowId")].insert(window);
        }
    }
    // Up to the second sync's last window end, each run lies in exactly one
    // window and is stored; later runs (created after that end) in none.
    std::size_t boundary_runs = 0;
    std::set<std::string> covered;
    for (const RunSpec& run : served(emulator).runs) {
        std::string bounds;
        int holding = 0;
        std::optional<UnixSeconds> first_end, second_end;
        for (int pass = 0; pass < 2; ++pass) {
            for (const Window& window : windows[pass][run.workflow_id]) {
                bounds += " sync " + std::to_string(pass + 1) + " [" +
                          (window.start ? std::to_string(*window.start) : "-") + ", " +
                          (window.end ? std::to_string(*window.end) : "-") + "]";
                holding += window.holds(run.create_time) ? 1 : 0;
                std::optional<UnixSeconds>& last = pass == 0 ? first_end : second_end;
                if (window.end && (!last || *window.end > *last)) {
                    last = window.end;
                }
            }
        }
        INFO(run.run_id << " created " << run.create_time << "; windows" << bounds);
        REQUIRE(second_end.has_value());
        if (run.create_time <= *second_end) {
            CHECK(holding == 1);
            covered.insert(run.run_id);
        } else {
            CHECK(holding == 0);
        }
        boundary_runs += first_end && run.create_time == *first_end ? 1 : 0;
    }
    // The first sync's window ended on a second that holds runs (the placement worked).
    CHECK(boundary_runs >= 1);
    // Every run added before `now` (two a second) is among them: the second
    // window ends at least 12 - 10 - 1 s after it.
    std::size_t added_covered = 0;
    for (const RunSpec& run : served(emulator).runs) {
        const bool added = run.create_time >= now - 16 && run.create_time < now;
        added_covered += added && covered.count(run.run_id) > 0 ? 1 : 0;
    }
    CHECK(added_covered == 2 * 16);
    const auto differences =
        set_differences(row_set(db, "SELECT run_id FROM workflow_runs"), covered);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
}

TEST_CASE("sync workflows: v_workflow_runs answers what the base tables answer")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const auto owned = workflow_emulator(workflow_jobs(1200, 2307, 12, 0.2));
    EmulatorFixture& emulator = *owned;
    REQUIRE(sync(workflow_config(db, emulator)).exit_code == 0);

    // The view's columns asked of the base tables with a grouped join.
    const std::string base =
        "SELECT r.run_id, r.workflow_id, r.workflow_name, r.object, r.state, r.create_time, "
        "count(t.ordinal) AS tasks, "
        "count(t.ordinal) FILTER (WHERE t.state = 'Success') AS tasks_succeeded, "
        "count(t.ordinal) FILTER (WHERE t.state = 'Failed') AS tasks_failed, "
        "count(t.ordinal) FILTER (WHERE t.state IN ('Submitted', 'Running', 'Pause')) AS "
        "tasks_running, "
        "CASE WHEN r.state IN ('Success', 'Failed', 'Cancel') THEN extract(epoch FROM "
        "max(t.end_time) - r.create_time) END AS duration_seconds "
        "FROM workflow_runs r LEFT JOIN workflow_run_tasks t ON t.run_id = r.run_id "
        "GROUP BY r.run_id";
    const std::string view =
        "SELECT run_id, workflow_id, workflow_name, object, state, create_time, tasks, "
        "tasks_succeeded, tasks_failed, tasks_running, duration_seconds FROM v_workflow_runs";
    CHECK(db.scalar("SELECT count(*) FROM ((" + base + " EXCEPT " + view + ") UNION ALL (" + view +
                    " EXCEPT " + base + ")) d") == "0");
    CHECK(db.count("v_workflow_runs") == db.count("workflow_runs"));

    // And what the emulator serves: per run its task counts and, once finished, its duration.
    std::set<std::string> expected;
    for (const RunSpec& run : served(emulator).runs) {
        long succeeded = 0, failed = 0, running = 0;
        std::optional<UnixSeconds> last_end;
        for (const auto& task : run.tasks) {
            succeeded += task.state == "Success";
            failed += task.state == "Failed";
            running +=
                task.state == "Running" || task.state == "Submitted" || task.state == "Pause";
            if (task.end_time && (!last_end || *task.end_time > *last_end)) {
                last_end = task.end_time;
            }
        }
        const bool finished = run.state != "Running";
        expected.insert(run.run_id + "|" + std::to_string(run.tasks.size()) + "|" +
                        std::to_string(succeeded) + "|" + std::to_string(failed) + "|" +
                        std::to_string(running) + "|" +
                        (finished && last_end ? std::to_string(*last_end - run.create_time)
                                              : std::string("-")));
    }
    REQUIRE(expected.size() > 100);
    const auto differences = set_differences(
        row_set(db, "SELECT run_id || '|' || tasks || '|' || tasks_succeeded || '|' || "
                    "tasks_failed || '|' || tasks_running || '|' || "
                    "coalesce(duration_seconds::bigint::text, '-') FROM v_workflow_runs"),
        expected);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
    CHECK(db.scalar("SELECT count(*) FROM v_workflow_runs WHERE state = 'Running'") != "0");
    CHECK(db.scalar("SELECT count(*) FROM v_workflow_runs WHERE tasks_failed > 0") != "0");
}
