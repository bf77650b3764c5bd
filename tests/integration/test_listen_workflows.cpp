// `listen` and WorkflowFinish callbacks (issue 23): the emulator calls back a
// run (POST /_emulator/notify?runs=), the listener records its RunId beside
// its task job ids, and the drain fetches the run's detail, signed, into
// workflow_runs and workflow_run_tasks, in XML and JSON; a run unfinished at
// its first callback is updated by the next; a 403 on /workflowexecution
// backs off only the run; a SIGKILL after the 200 loses nothing (the next
// sync drains it).
#include "emulator/workflow_generator.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/callback_support.hpp"
#include "support/emulator_client.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <memory>

using namespace testing;
using jobsync::emulator::CallbackFormat;
using jobsync::emulator::RunSpec;
using jobsync::emulator::WorkflowData;

namespace {

const std::string kToken = "workflow-listen-token-0123456789";
const std::vector<std::string> kTags{"Transcode", "Snapshot"};

// An emulator calling back a `ci-jobsync listen` child process, and the config they share.
struct WorkflowListen {
    WorkflowListen(TempDatabase& db, std::uint64_t seed, CallbackFormat format,
                   const std::string& listen_extra = "", double unfinished_rate = 0)
        : port(free_loopback_port())
    {
        jobsync::emulator::GeneratorOptions generator = generated_jobs(200, seed, kTags);
        generator.old_unfinished_rate = unfinished_rate;
        jobsync::emulator::CallbackOptions callback;
        callback.url = base() + "/ci/notify?token=" + kToken;
        callback.format = format;
        emulator = std::make_unique<EmulatorFixture>(generator, jobsync::emulator::FaultOptions{},
                                                     callback);
        ConfigSpec spec = spec_for(*emulator);
        spec.sync_extra =
            "max_attempts = 1\n\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n" +
            listen_extra;
        config = load_test_config(db, spec, &config_path);
        start();
    }

    void start()
    {
        listen = std::make_unique<ChildProcess>(
            JOBSYNC_BINARY, std::vector<std::string>{"--config", config_path, "listen"},
            std::map<std::string, std::string>{{"CI_JOBSYNC_LISTEN_TOKEN", kToken}});
        wait_until_healthy(base());
    }

    ProcessResult stop()
    {
        listen->send_signal(SIGTERM);
        return listen->wait();
    }

    std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }

    WorkflowData runs() const
    {
        return jobsync::emulator::derive_workflow_data(emulator->generator,
                                                       emulator->dataset.workflow_specs());
    }

    // The emulator's WorkflowFinish for each run, as CI sends it; waits until
    // the listener has answered all of them (2xx).
    void notify(const std::vector<std::string>& run_ids)
    {
        std::string list;
        for (const std::string& id : run_ids) {
            list += (list.empty() ? "" : ",") + id;
        }
        const long before = emulator->server->stats().callbacks.sent;
        const Reply reply =
            admin(emulator->server->port(), "POST", "/_emulator/notify?runs=" + list);
        REQUIRE(reply.status == 200);
        wait_until(
            [&] {
                return emulator->server->stats().callbacks.sent >=
                       before + static_cast<long>(run_ids.size());
            },
            std::chrono::seconds(60), "the listener acknowledged the WorkflowFinish callbacks");
    }

    int port;
    std::unique_ptr<EmulatorFixture> emulator;
    std::string config_path;
    jobsync::Config config;
    std::unique_ptr<ChildProcess> listen;
};

std::string quoted(const std::vector<std::string>& ids)
{
    std::string text;
    for (const std::string& id : ids) {
        text += (text.empty() ? "'" : ", '") + id + "'";
    }
    return text;
}

// The stored run and its tasks, in the emulator's terms: one line per task.
std::string stored_run(const TempDatabase& db, const std::string& run_id)
{
    return db.scalar("SELECT r.workflow_id || ' ' || r.state || ' ' || r.object || ' ' || "
                     "coalesce(string_agg(t.ordinal || ':' || t.node_name || ':' || t.job_id || "
                     "':' || t.state || ':' || (t.end_time IS NOT NULL), ' ' ORDER BY t.ordinal), "
                     "'') FROM workflow_runs r LEFT JOIN workflow_run_tasks t USING (run_id) "
                     "WHERE r.run_id = '" +
                     run_id + "' AND r.detail_synced_at IS NOT NULL GROUP BY r.run_id");
}

std::string expected_run(const RunSpec& run)
{
    std::string tasks;
    int ordinal = 0;
    for (const auto& task : run.tasks) {
        tasks += (tasks.empty() ? "" : " ") + std::to_string(++ordinal) + ":" + task.node_name +
                 ":" + task.job_id + ":" + task.state + ":" + (task.end_time ? "true" : "false");
    }
    return run.workflow_id + " " + run.state + " " + run.object + " " + tasks;
}

// Runs with more than one task (a listed job's and unlisted ones), at most `count`.
std::vector<RunSpec> runs_with_tasks(const WorkflowData& data, std::size_t count,
                                     bool unfinished = false)
{
    std::vector<RunSpec> chosen;
    for (const RunSpec& run : data.runs) {
        if (chosen.size() < count && run.tasks.size() > 1 &&
            (run.state == "Running") == unfinished) {
            chosen.push_back(run);
        }
    }
    return chosen;
}

std::vector<std::string> ids_of(const std::vector<RunSpec>& runs)
{
    std::vector<std::string> ids;
    for (const RunSpec& run : runs) {
        ids.push_back(run.run_id);
    }
    return ids;
}

} // namespace

TEST_CASE("listen: a WorkflowFinish (XML and JSON) stores its run with every task, and its "
          "task jobs")
{
    TempDatabase& db = shared_database();
    for (const CallbackFormat format : {CallbackFormat::xml, CallbackFormat::json}) {
        INFO("callback format " << (format == CallbackFormat::xml ? "xml" : "json"));
        db.truncate_all();
        WorkflowListen setup(db, 2311, format);
        const std::vector<RunSpec> runs = runs_with_tasks(setup.runs(), 3);
        REQUIRE(runs.size() == 3);
        setup.notify(ids_of(runs));

        CHECK(eventually(
            db, "SELECT count(*) FROM workflow_runs WHERE detail_synced_at IS NOT NULL", "3"));
        CHECK(eventually(db, "SELECT count(*) FROM inbox_runs", "0"));
        CHECK(eventually(db, "SELECT count(*) FROM inbox", "0"));
        std::vector<std::string> listed_jobs; // each run's first task: a job /jobs lists
        for (const RunSpec& run : runs) {
            INFO(run.run_id);
            CHECK(stored_run(db, run.run_id) == expected_run(run));
            CHECK(db.scalar("SELECT tasks FROM v_workflow_runs WHERE run_id = '" + run.run_id +
                            "'") == std::to_string(run.tasks.size()));
            listed_jobs.push_back(run.tasks.front().job_id);
        }
        CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id IN (" + quoted(listed_jobs) +
                        ")") == "3");
        // The tasks whose jobs no listing holds are kept; the join finds no job.
        CHECK(db.scalar("SELECT count(*) FROM workflow_run_tasks t JOIN jobs j USING (job_id)") ==
              "3");

        const HttpAnswer metrics = http_request("GET", setup.base() + "/metrics");
        CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_runs_fetched_total 3"));
        const ProcessResult stopped = setup.stop();
        INFO(stopped.output);
        CHECK(stopped.exit_code == 0);
        CHECK_THAT(stopped.output, Catch::Contains("inbox workflow run written"));
        CHECK(stopped.output.find(kToken) == std::string::npos);
        CHECK(stopped.output.find(kTestSecretKey) == std::string::npos);
    }
}

TEST_CASE("listen: a run unfinished at its first WorkflowFinish is updated by the next")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    WorkflowListen setup(db, 2312, CallbackFormat::xml, "", 0.5);
    const std::vector<RunSpec> unfinished = runs_with_tasks(setup.runs(), 1, true);
    REQUIRE(unfinished.size() == 1);
    const std::string run_id = unfinished.front().run_id;
    setup.notify({run_id});
    CHECK(eventually(db,
                     "SELECT state || ' ' || tasks_running FROM v_workflow_runs WHERE run_id = '" +
                         run_id + "' AND detail_synced_at IS NOT NULL",
                     "Running " + std::to_string(unfinished.front().tasks.size())));
    CHECK(stored_run(db, run_id) == expected_run(unfinished.front()));

    // The run's job finishes at the source (its TaskFinish is sent and written), then its
    // WorkflowFinish.
    const std::string job_id = jobsync::emulator::job_id_of_run(run_id);
    REQUIRE(setup.emulator->dataset.finish_jobs({job_id}, jobsync::now_unix_seconds()) == 1);
    CHECK(eventually(db, "SELECT state FROM jobs WHERE job_id = '" + job_id + "'", "Success"));
    const std::vector<RunSpec> now = [&] {
        std::vector<RunSpec> found;
        for (const RunSpec& run : setup.runs().runs) {
            if (run.run_id == run_id) {
                found.push_back(run);
            }
        }
        return found;
    }();
    REQUIRE(now.size() == 1);
    REQUIRE(now.front().state != "Running");
    setup.notify({run_id});
    CHECK(eventually(db, "SELECT state FROM workflow_runs WHERE run_id = '" + run_id + "'",
                     now.front().state));
    CHECK(eventually(db, "SELECT count(*) FROM inbox_runs", "0"));
    CHECK(stored_run(db, run_id) == expected_run(now.front()));
    CHECK(db.scalar("SELECT tasks_running = 0 AND duration_seconds IS NOT NULL FROM "
                    "v_workflow_runs WHERE run_id = '" +
                    run_id + "'") == "t");
    CHECK(setup.stop().exit_code == 0);
}

TEST_CASE("listen: a 403 on /workflowexecution/<id> backs off only that run; its task jobs and "
          "later callbacks are written")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    WorkflowListen setup(db, 2313, CallbackFormat::json, "max_attempts = 2\n");
    jobsync::emulator::FaultOptions denied;
    denied.denied_path = "/workflowexecution"; // a key without the run APIs' CAM action
    setup.emulator->server->set_faults(denied);
    const std::vector<RunSpec> runs = runs_with_tasks(setup.runs(), 2);
    REQUIRE(runs.size() == 2);
    const std::string run_id = runs[0].run_id;
    setup.notify({run_id});

    // The run's listed job lands while the run backs off, then is given up on.
    CHECK(eventually(
        db, "SELECT count(*) FROM jobs WHERE job_id = '" + runs[0].tasks.front().job_id + "'",
        "1"));
    CHECK(eventually(db,
                     "SELECT attempts || ' ' || (last_error LIKE '%403%AccessDenied%') FROM "
                     "inbox_runs_dropped WHERE run_id = '" +
                         run_id + "'",
                     "2 true"));
    CHECK(db.scalar("SELECT count(*) FROM inbox_runs") == "0");
    CHECK(db.scalar("SELECT count(*) FROM workflow_runs") == "0");
    // A TaskFinish after it is written as usual.
    const std::string later_job = runs[1].tasks.front().job_id;
    REQUIRE(http_request("POST", setup.base() + "/ci/notify?token=" + kToken,
                         task_finish_xml(later_job, setup.emulator->generator.bucket))
                .status == 200);
    CHECK(eventually(db, "SELECT count(*) FROM jobs WHERE job_id = '" + later_job + "'", "1"));

    const HttpAnswer metrics = http_request("GET", setup.base() + "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_runs_failed_total 2"));
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_runs_dropped_total 1"));
    const ProcessResult status = run_jobsync({"--config", setup.config_path, "status"});
    CHECK_THAT(status.output, Catch::Contains("1 workflow runs given up on (inbox_runs_dropped)"));

    // Granted again: the next callback of the run is written and clears the dropped row.
    setup.emulator->server->set_faults({});
    setup.notify({run_id});
    CHECK(eventually(db, "SELECT count(*) FROM inbox_runs_dropped", "0"));
    CHECK(stored_run(db, run_id) == expected_run(runs[0]));

    const ProcessResult stopped = setup.stop();
    INFO(stopped.output);
    CHECK(stopped.exit_code == 0);
    CHECK_THAT(stopped.output, Catch::Contains("inbox workflow run not fetched; retried after a "
                                               "back-off") &&
                                   Catch::Contains("inbox workflow run dropped after failed "
                                                   "detail requests") &&
                                   Catch::Contains(run_id));
}

TEST_CASE("listen: a WorkflowFinish acknowledged before a SIGKILL is drained by the next sync")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    WorkflowListen setup(db, 2314, CallbackFormat::xml);
    // Every fetch fails, so nothing leaves the inbox before the kill.
    jobsync::emulator::FaultOptions failing;
    failing.server_error_rate = 1.0;
    setup.emulator->server->set_faults(failing);
    const std::vector<RunSpec> runs = runs_with_tasks(setup.runs(), 1);
    REQUIRE(runs.size() == 1);
    setup.notify({runs[0].run_id}); // answered 200
    setup.listen->send_signal(SIGKILL);
    CHECK(setup.listen->wait().exit_code == 128 + SIGKILL);

    CHECK(db.scalar("SELECT run_id FROM inbox_runs") == runs[0].run_id);
    CHECK(db.scalar("SELECT count(*) FROM inbox") == std::to_string(runs[0].tasks.size()));
    CHECK(db.scalar("SELECT count(*) FROM workflow_runs") == "0");
    const ProcessResult status = run_jobsync({"--config", setup.config_path, "status"});
    CHECK_THAT(status.output, Catch::Contains("1 workflow runs waiting (inbox_runs)"));

    setup.emulator->server->set_faults({});
    const ProcessResult sync = run_jobsync({"--config", setup.config_path, "sync"});
    INFO(sync.output);
    CHECK(sync.exit_code == 0);
    CHECK(db.scalar("SELECT count(*) FROM inbox_runs") == "0");
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(stored_run(db, runs[0].run_id) == expected_run(runs[0]));
}
