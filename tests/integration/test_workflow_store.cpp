// workflow_store against a migrated database, fed with the emulator's
// answers fetched over HTTP (signed) and parsed by the workflow and batch-job
// page parsers: every workflow, run, task and batch job lands; rewriting is
// idempotent; a terminal state is not moved back; a run finished later is
// updated by its detail; v_workflow_runs agrees with the base tables.
#include "emulator/emulator_server.hpp"
#include "emulator/workflow_generator.hpp"
#include "jobsync/db/workflow_store.hpp"
#include "support/signed_call.hpp"
#include "support/temp_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace jobsync;
using namespace jobsync::emulator;
using testing::SignedCall;

namespace {

const std::string kBucket = "examplebucket-1250000000";

struct Emulator {
    explicit Emulator(std::size_t count)
    {
        generator.count = count;
        generator.seed = 2323;
        for (JobSpec& job : generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        ServerOptions options;
        options.generator = generator;
        server = std::make_unique<EmulatorServer>(dataset, options);
        server->start();
    }

    std::string get(const std::string& path, const QueryParams& params) const
    {
        SignedCall call;
        call.path = path;
        call.params = params;
        const HttpResponse response = testing::send_signed(server->port(), call);
        INFO(path << ": " << response.body);
        REQUIRE(response.status == 200);
        return response.body;
    }

    WorkflowData data() const { return derive_workflow_data(generator, dataset.workflow_specs()); }

    GeneratorOptions generator;
    Dataset dataset;
    std::unique_ptr<EmulatorServer> server;
};

// Writes inside one committed transaction.
template <typename Write> WorkflowWriteResult commit(Write&& write)
{
    auto conn = testing::shared_database().connect();
    pqxx::work txn(*conn);
    const WorkflowWriteResult result = write(txn);
    txn.commit();
    return result;
}

WorkflowWriteResult& operator+=(WorkflowWriteResult& a, const WorkflowWriteResult& b)
{
    a.inserted += b.inserted;
    a.updated += b.updated;
    a.refused += b.refused;
    return a;
}

// Every page of a token-paged run listing, written.
WorkflowWriteResult store_runs(const Emulator& emulator, QueryParams params,
                               const std::string& batch_job_id = "")
{
    WorkflowWriteResult totals;
    std::string token;
    do {
        QueryParams page_params = params;
        if (!token.empty()) {
            page_params.emplace_back("nextToken", token);
        }
        const WorkflowRunPage page =
            parse_workflow_run_page(emulator.get("/workflowexecution", page_params));
        REQUIRE(page.rejected.empty());
        totals += commit([&](pqxx::work& txn) {
            return workflow_store::write_runs(txn, kBucket, page, batch_job_id);
        });
        token = page.next_token;
    } while (!token.empty());
    return totals;
}

WorkflowWriteResult store_detail(const Emulator& emulator, const std::string& run_id)
{
    const WorkflowRunPage page =
        parse_workflow_run_detail(emulator.get("/workflowexecution/" + run_id, {}));
    REQUIRE(page.records.size() == 1);
    return commit([&](pqxx::work& txn) { return workflow_store::write_runs(txn, kBucket, page); });
}

// The whole workflow sync this test stands in for: workflows (page-numbered),
// each one's runs, every run's detail, the batch jobs and their runs.
struct Stored {
    WorkflowWriteResult workflows, runs, details, batch_jobs;
};

Stored store_everything(const Emulator& emulator)
{
    Stored stored;
    std::vector<std::string> workflow_ids;
    for (long page_number = 1;; ++page_number) {
        const WorkflowPage page = parse_workflow_page(emulator.get(
            "/workflow", {{"pageNumber", std::to_string(page_number)}, {"pageSize", "5"}}));
        stored.workflows += commit(
            [&](pqxx::work& txn) { return workflow_store::write_workflows(txn, kBucket, page); });
        for (const WorkflowRecord& workflow : page.records) {
            workflow_ids.emplace_back(workflow.workflow_id);
        }
        REQUIRE(page.total_count.has_value());
        if (page_number * 5 >= *page.total_count) {
            break;
        }
    }
    for (const std::string& workflow_id : workflow_ids) {
        stored.runs += store_runs(emulator, {{"workflowId", workflow_id}, {"size", "7"}});
    }
    auto conn = testing::shared_database().connect();
    pqxx::work txn(*conn);
    const std::vector<std::string> due = workflow_store::runs_needing_detail(txn, kBucket, 100000);
    txn.commit();
    for (const std::string& run_id : due) {
        stored.details += store_detail(emulator, run_id);
    }
    std::string token;
    do {
        QueryParams params{{"size", "2"}};
        if (!token.empty()) {
            params.emplace_back("nextToken", token);
        }
        const BatchJobPage page =
            parse_batch_job_page(emulator.get("/inventorytriggerjob", params));
        stored.batch_jobs += commit(
            [&](pqxx::work& txn) { return workflow_store::write_batch_jobs(txn, kBucket, page); });
        for (const BatchJobRecord& batch : page.records) {
            if (batch.type == std::string_view("Workflow")) {
                const BatchJobPage one = parse_batch_job_page(
                    emulator.get("/inventorytriggerjob/" + std::string(batch.job_id), {}));
                REQUIRE(one.records.size() == 1);
                const std::string workflow_id = testing::shared_database().scalar(
                    "SELECT (xpath('//WorkflowIds/text()', detail))[1]::text FROM batch_jobs "
                    "WHERE job_id = '" +
                    std::string(batch.job_id) + "'");
                store_runs(emulator,
                           {{"workflowId", workflow_id}, {"jobId", std::string(batch.job_id)}},
                           std::string(batch.job_id));
            }
        }
        token = page.next_token;
    } while (!token.empty());
    return stored;
}

std::string rows(const std::string& sql)
{
    auto conn = testing::shared_database().connect();
    pqxx::nontransaction txn(*conn);
    std::string text;
    for (const pqxx::row& row : txn.exec(sql)) {
        for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
            text += row[i].is_null() ? "NULL" : row[i].c_str();
            text += i + 1 < row.size() ? "|" : "\n";
        }
    }
    return text;
}

// v_workflow_runs recomputed from the base tables.
const std::string kViewFromTables =
    "SELECT r.run_id, r.workflow_id, r.workflow_name, r.object, r.state, r.create_time, "
    "count(t.run_id), count(*) FILTER (WHERE t.state = 'Success'), "
    "count(*) FILTER (WHERE t.state = 'Failed'), "
    "count(*) FILTER (WHERE t.state IN ('Submitted', 'Running', 'Pause')), "
    "CASE WHEN r.state IN ('Success', 'Failed', 'Cancel') "
    "THEN extract(epoch FROM max(t.end_time) - r.create_time) END "
    "FROM workflow_runs r LEFT JOIN workflow_run_tasks t ON t.run_id = r.run_id "
    "GROUP BY r.run_id ORDER BY r.run_id";
const std::string kView =
    "SELECT run_id, workflow_id, workflow_name, object, state, create_time, tasks, "
    "tasks_succeeded, tasks_failed, tasks_running, duration_seconds FROM v_workflow_runs "
    "ORDER BY run_id";

} // namespace

TEST_CASE("workflow_store: the emulator's workflows, runs, tasks and batch jobs all land")
{
    testing::shared_database().truncate_all();
    Emulator emulator(500);
    // One run still running, to be finished later.
    JobSpec running = generate_job(emulator.generator, 700000, "Transcode",
                                   emulator.generator.first_creation_time + 30 * 86400);
    running.workflow_id = workflow_id_for_slot(emulator.generator.seed, 1);
    running.state = "Running";
    running.start_time = running.creation_time + 1;
    running.end_time.reset();
    emulator.dataset.add(running);
    const std::string running_run = workflow_run_id_for(running);

    const WorkflowData data = emulator.data();
    std::size_t tasks = 0;
    for (const RunSpec& run : data.runs) {
        tasks += run.tasks.size();
    }
    REQUIRE(data.runs.size() > 20);

    const Stored first = store_everything(emulator);
    CHECK(first.workflows.inserted == 12);
    CHECK(first.runs.inserted == static_cast<long>(data.runs.size()));
    CHECK(first.details.updated == static_cast<long>(data.runs.size()));
    CHECK(first.batch_jobs.inserted == static_cast<long>(data.batch_jobs.size()));
    testing::TempDatabase& db = testing::shared_database();
    CHECK(db.count("workflows") == 12);
    CHECK(db.count("workflow_runs") == static_cast<long long>(data.runs.size()));
    CHECK(db.count("workflow_run_tasks") == static_cast<long long>(tasks));
    CHECK(db.count("batch_jobs") == static_cast<long long>(data.batch_jobs.size()));

    // Row by row against what the emulator served.
    for (const RunSpec& run : data.runs) {
        INFO(run.run_id);
        CHECK(rows("SELECT workflow_id, workflow_name, object, state, "
                   "extract(epoch FROM create_time)::bigint, coalesce(batch_job_id, '') FROM "
                   "workflow_runs WHERE run_id = '" +
                   run.run_id + "'") ==
              run.workflow_id + "|" + run.workflow_name + "|" + run.object + "|" + run.state + "|" +
                  std::to_string(run.create_time) + "|" + run.batch_job_id + "\n");
        std::string expected_tasks;
        for (std::size_t i = 0; i < run.tasks.size(); ++i) {
            const RunTaskSpec& task = run.tasks[i];
            expected_tasks += std::to_string(i + 1) + "|" + task.node_name + "|" + task.type + "|" +
                              task.job_id + "|" + task.state + "|" +
                              (task.end_time ? std::to_string(*task.end_time) : "NULL") + "\n";
        }
        CHECK(rows("SELECT ordinal, node_name, type, job_id, state, "
                   "extract(epoch FROM end_time)::bigint FROM workflow_run_tasks WHERE run_id = '" +
                   run.run_id + "' ORDER BY ordinal") == expected_tasks);
    }
    for (const BatchJobSpec& batch : data.batch_jobs) {
        INFO(batch.job_id);
        CHECK(rows("SELECT type, name, state, extract(epoch FROM creation_time)::bigint, "
                   "end_time IS NULL FROM batch_jobs WHERE job_id = '" +
                   batch.job_id + "'") == batch.type + "|" + batch.name + "|" + batch.state + "|" +
                                              std::to_string(batch.creation_time) + "|" +
                                              (batch.end_time ? "f" : "t") + "\n");
    }
    // The first task of a run is the job whose Workflow element names the run.
    CHECK(db.scalar("SELECT count(*) FROM workflow_run_tasks WHERE ordinal = 1 AND "
                    "'i' || substr(job_id, 2) <> run_id") == "0");
    CHECK(rows(kView) == rows(kViewFromTables));
    CHECK(rows("SELECT state, tasks_running > 0, duration_seconds IS NULL FROM v_workflow_runs "
               "WHERE run_id = '" +
               running_run + "'") == "Running|t|t\n");

    // A second pass writes the same rows: nothing new, nothing different.
    const auto snapshot = [] {
        return rows(kView) +
               rows("SELECT run_id, ordinal, node_name, type, job_id, state, code, "
                    "message, create_time, start_time, end_time FROM "
                    "workflow_run_tasks ORDER BY 1, 2") +
               rows("SELECT job_id, type, name, state, creation_time, end_time, detail::text "
                    "FROM batch_jobs ORDER BY 1");
    };
    const std::string before = snapshot();
    auto conn = db.connect();
    {
        pqxx::work txn(*conn);
        // Finished runs are not due again; the running one is.
        CHECK(workflow_store::runs_needing_detail(txn, kBucket, 1000) ==
              std::vector<std::string>{running_run});
    }
    const Stored again = store_everything(emulator);
    CHECK(again.workflows.inserted == 0);
    CHECK(again.runs.inserted == 0);
    CHECK(again.details.updated == 1);
    CHECK(again.batch_jobs.inserted == 0);
    CHECK(db.count("workflow_run_tasks") == static_cast<long long>(tasks));
    CHECK(snapshot() == before);

    // The run finishes: its listing changes its state, its detail its tasks.
    REQUIRE(emulator.dataset.finish_jobs({running.job_id}, running.creation_time + 600) == 1);
    const WorkflowData finished = emulator.data();
    const auto run = std::find_if(finished.runs.begin(), finished.runs.end(),
                                  [&](const RunSpec& r) { return r.run_id == running_run; });
    REQUIRE(run != finished.runs.end());
    REQUIRE(run->state != "Running");
    store_everything(emulator);
    CHECK(rows("SELECT state, tasks_running, duration_seconds IS NOT NULL FROM v_workflow_runs "
               "WHERE run_id = '" +
               running_run + "'") == run->state + "|0|t\n");
    CHECK(rows(kView) == rows(kViewFromTables));
    {
        pqxx::work txn(*conn);
        CHECK(workflow_store::runs_needing_detail(txn, kBucket, 1000).empty());
    }
}

TEST_CASE("workflow_store: a terminal run or batch job is not moved back to an unfinished state")
{
    testing::shared_database().truncate_all();
    const auto write_run = [](const std::string& state, const std::string& tasks) {
        const WorkflowRunPage page = parse_workflow_run_detail(
            "<Response><WorkflowExecution><RunId>i1</RunId><WorkflowId>w1</WorkflowId>"
            "<WorkflowName>wf</WorkflowName><Object>a.mp4</Object><State>" +
            state + "</State><CreateTime>2022-08-09T14:54:17+08:00</CreateTime>" + tasks +
            "</WorkflowExecution></Response>");
        return commit(
            [&](pqxx::work& txn) { return workflow_store::write_runs(txn, kBucket, page); });
    };
    const std::string done_tasks =
        "<Tasks><Name>Transcode_1</Name><JobId>j1</JobId><State>Success</State>"
        "<EndTime>2022-08-09T14:55:17+0800</EndTime></Tasks>";
    CHECK(write_run("Success", done_tasks).inserted == 1);
    const WorkflowWriteResult stale =
        write_run("Running", "<Tasks><Name>Transcode_1</Name><State>Running</State></Tasks>");
    CHECK(stale.refused == 1);
    CHECK(rows("SELECT state, tasks_succeeded, tasks_running, duration_seconds::bigint FROM "
               "v_workflow_runs") == "Success|1|0|60\n");
    CHECK(write_run("Success", done_tasks).updated == 1);
    CHECK(testing::shared_database().count("workflow_run_tasks") == 1);

    const auto write_batch = [](const std::string& state) {
        const BatchJobPage page = parse_batch_job_page(
            "<Response><JobsDetail><JobId>b1</JobId><Type>Job</Type><State>" + state +
            "</State><CreationTime>2022-06-27T15:23:10+0800</CreationTime></JobsDetail>"
            "</Response>");
        return commit(
            [&](pqxx::work& txn) { return workflow_store::write_batch_jobs(txn, kBucket, page); });
    };
    CHECK(write_batch("Failed").inserted == 1);
    CHECK(write_batch("Running").refused == 1);
    CHECK(testing::shared_database().scalar("SELECT state FROM batch_jobs") == "Failed");
}
