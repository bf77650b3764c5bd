// The dashboard and the alert rules against real parts: every SQL panel on a
// database synced from the emulator, and every PromQL expression through a
// real Prometheus scraping a real node_exporter (textfile collector) that
// reads the metrics file of a real `ci-jobsync sync`, and the listener's
// /metrics. A metric renamed or dropped leaves an expression without data.
// Test cases tagged [audit] need issue 24's output audit (v_output_audit and
// the ci_jobsync_audit_* metrics); ctest runs them as test_dashboards_audit.
#include "support/callback_support.hpp"
#include "support/dashboard_queries.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/prometheus_stack.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>

using namespace testing;

namespace {

const std::string kToken = "dashboards-listen-token-3c9e1f";

bool needs_audit(const ShippedQuery& query, bool promql)
{
    if (!promql) {
        return query.text.find("v_output_audit") != std::string::npos;
    }
    for (const std::string& selector : promql_selectors(query.text)) {
        if (selector.rfind("ci_jobsync_audit_", 0) != 0) {
            return false;
        }
    }
    return true;
}

std::vector<ShippedQuery> select(std::vector<ShippedQuery> queries, bool promql, bool audit)
{
    std::vector<ShippedQuery> chosen;
    for (ShippedQuery& query : queries) {
        if (needs_audit(query, promql) == audit) {
            chosen.push_back(std::move(query));
        }
    }
    return chosen;
}

std::string read_all(const std::string& path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

void sync_database(const EmulatorFixture& emulator)
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const jobsync::SyncSummary summary = sync_once(load_test_config(db, spec_for(emulator)));
    REQUIRE(summary.failed == 0);
}

// Each panel's SQL returns rows, reading only tables and views of docs/schema.md.
void check_sql_panels(const std::vector<ShippedQuery>& panels)
{
    REQUIRE_FALSE(panels.empty());
    const std::string schema_doc = read_all(std::string(PROJECT_SOURCE_DIR) + "/docs/schema.md");
    auto conn = shared_database().connect();
    for (const ShippedQuery& panel : panels) {
        INFO(panel.where << ":\n" << panel.text);
        for (const std::string& relation : sql_relations(panel.text)) {
            INFO("reads " << relation);
            CHECK(std::regex_search(schema_doc, std::regex("\\b" + relation + "\\b")));
        }
        pqxx::read_transaction txn(*conn);
        pqxx::result rows;
        CHECK_NOTHROW(rows = txn.exec(expand_grafana_sql(panel.text)));
        CHECK(rows.size() > 0);
    }
}

// A sync through the CLI writing the metrics file into node_exporter's
// directory, a listener with a callback written out, Prometheus scraping both.
struct ScrapedWorker {
    ScrapedWorker()
        : emulator(generated_jobs(300, 25, {"Transcode", "Snapshot"})),
          listen_port(free_loopback_port()), stack({"127.0.0.1:" + std::to_string(listen_port)})
    {
        TempDatabase& db = shared_database();
        db.truncate_all();
        ConfigSpec spec = spec_for(emulator);
        spec.sync_extra = "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(listen_port) +
                          "\"\ntoken = \"" + kToken + "\"\n" +
                          // The output audit HEADs the emulator's objects.
                          "\n[audit]\nendpoint = \"" + emulator.server->endpoint() + "\"\n";
        load_test_config(db, spec, &config_path);
        metrics_file = stack.textfile_dir() + "/ci-jobsync.prom";
        const ProcessResult first = run_jobsync(sync_args());
        INFO(first.output);
        REQUIRE(first.exit_code == 0);

        listener = std::make_unique<ChildProcess>(
            JOBSYNC_BINARY, std::vector<std::string>{"--config", config_path, "listen"});
        const std::string base = "http://127.0.0.1:" + std::to_string(listen_port);
        wait_until_healthy(base);
        const std::string job_id = emulator.dataset.specs().front().job_id;
        const HttpAnswer callback =
            http_request("POST", base + "/ci/notify?token=" + kToken,
                         "<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>" + job_id +
                             "</JobId><Input><BucketId>" + emulator.generator.bucket +
                             "</BucketId></Input></JobsDetail></Response>");
        REQUIRE(callback.status == 200);
        REQUIRE_FALSE(stack.wait_for_data("ci_jobsync_listen_batches_total > 0").empty());
        REQUIRE_FALSE(stack.wait_for_data("ci_jobsync_build_info{job=\"node\"}").empty());
    }
    ~ScrapedWorker()
    {
        if (listener) {
            listener->send_signal(SIGTERM);
            listener->wait();
        }
    }

    std::vector<std::string> sync_args(const std::vector<std::string>& extra = {}) const
    {
        std::vector<std::string> args{"--config", config_path, "sync", "--metrics-file",
                                      metrics_file};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    EmulatorFixture emulator;
    int listen_port;
    PrometheusStack stack;
    std::string config_path;
    std::string metrics_file;
    std::unique_ptr<ChildProcess> listener;
};

// A dashboard expression returns data as Grafana sends it; an alert
// expression is valid, and each metric it selects has data (the alert's
// condition itself is false on a healthy sync).
void check_promql(const PrometheusStack& stack, const std::vector<ShippedQuery>& panels,
                  const std::vector<ShippedQuery>& alerts)
{
    REQUIRE_FALSE((panels.empty() && alerts.empty()));
    for (const ShippedQuery& panel : panels) {
        const std::string expr = expand_grafana_promql(panel.text);
        INFO(panel.where << ": " << expr);
        CHECK_FALSE(stack.wait_for_data(expr, 30).empty());
    }
    for (const ShippedQuery& alert : alerts) {
        INFO(alert.where << ": " << alert.text);
        CHECK_NOTHROW(stack.query(alert.text));
        const auto selectors = promql_selectors(alert.text);
        CHECK_FALSE(selectors.empty());
        for (const std::string& selector : selectors) {
            INFO("selects " << selector);
            CHECK_FALSE(stack.wait_for_data(selector, 30).empty());
        }
    }
}

std::string alert_expression(const std::string& name)
{
    for (const ShippedQuery& alert : alert_expressions()) {
        if (alert.where == "alert " + name) {
            return alert.text;
        }
    }
    FAIL("no alert " << name << " in " << rules_path());
    return "";
}

} // namespace

TEST_CASE("every SQL panel of the dashboard runs on a synced database and returns rows")
{
    EmulatorFixture emulator(generated_jobs(400, 24, {"Transcode", "Snapshot", "Animation"}));
    sync_database(emulator);
    check_sql_panels(select(dashboard_sql(), false, false));
}

TEST_CASE("the output audit's SQL panels run on a synced database and return rows", "[audit]")
{
    EmulatorFixture emulator(generated_jobs(200, 24, {"Transcode", "Snapshot"}));
    sync_database(emulator);
    check_sql_panels(select(dashboard_sql(), false, true));
}

TEST_CASE("real Prometheus: every expression of the dashboard and the alert rules has data; a "
          "walk blocked by a lock is stuck while no run fails")
{
    ScrapedWorker worker;
    const PrometheusStack& stack = worker.stack;
    check_promql(stack, select(dashboard_promql(), true, false),
                 select(alert_expressions(), true, false));

    // The last page of Transcode was committed two hours ago (a walk at most
    // commits every few minutes, and the test cannot wait 30 of them), and a
    // session holds its partition's lock: the next sync claims it and waits.
    TempDatabase& db = shared_database();
    auto aging = db.connect();
    pqxx::nontransaction(*aging).exec("UPDATE sync_checkpoints SET last_page_at = now() - "
                                      "interval '2 hours' WHERE tag = 'Transcode'");
    auto holder = db.connect();
    pqxx::nontransaction(*holder).exec_params("SELECT pg_advisory_lock(hashtextextended($1, 0))",
                                              "ci-jobsync:" + db.schema() + ":" +
                                                  worker.emulator.generator.bucket + ":Transcode:");
    ChildProcess blocked(JOBSYNC_BINARY, worker.sync_args({"--wait-lock", "600"}));

    // The file is rewritten during the run: the claim walks and no page comes.
    REQUIRE_FALSE(
        stack.wait_for_data("ci_jobsync_partition_walking{tag=\"Transcode\"} == 1").empty());
    const std::string stuck = alert_expression("CiJobsyncPartitionStuck");
    const nlohmann::json stuck_now = stack.wait_for_data(stuck);
    REQUIRE(stuck_now.size() == 1);
    CHECK(stuck_now[0]["metric"]["tag"] == "Transcode");
    CHECK(stuck_now[0]["metric"]["bucket"] == worker.emulator.generator.bucket);
    // Prometheus evaluates the loaded rule: pending, firing once `for` has passed
    // (promtool's unit test covers that).
    CHECK_FALSE(stack
                    .wait_for_data("ALERTS{alertname=\"CiJobsyncPartitionStuck\",tag="
                                   "\"Transcode\"}")
                    .empty());
    CHECK(blocked.running());
    CHECK(stack.result(alert_expression("CiJobsyncRunsFailing")).empty());
    CHECK(stack.result("ci_jobsync_runs_failed_in_a_row > 0").empty());
    CHECK(stack.result(alert_expression("CiJobsyncNoSuccessfulRun")).empty());
    CHECK(stack.result("ALERTS{alertname=\"CiJobsyncPartitionStuck\",tag=\"Snapshot\"}").empty());

    // The lock goes, the walk commits, the run ends ok, and the alert clears.
    pqxx::nontransaction(*holder).exec("SELECT pg_advisory_unlock_all()");
    const ProcessResult second = blocked.wait();
    INFO(second.output);
    CHECK(second.exit_code == 0);
    CHECK(stack.wait_for_no_data(stuck));
    CHECK(stack.result("ci_jobsync_runs_failed_in_a_row > 0").empty());
}

TEST_CASE("real Prometheus: the output audit's expressions have data", "[audit]")
{
    ScrapedWorker worker;
    // `ci-jobsync audit` writes the ci_jobsync_audit_* metrics into a textfile
    // of its own beside the sync's.
    const ProcessResult audit =
        run_jobsync({"--config", worker.config_path, "audit", "--metrics-file",
                     worker.stack.textfile_dir() + "/ci-jobsync-audit.prom"});
    INFO(audit.output);
    REQUIRE(audit.exit_code == 0);
    REQUIRE_FALSE(
        worker.stack.wait_for_data("ci_jobsync_audit_last_run_timestamp_seconds").empty());
    check_promql(worker.stack, select(dashboard_promql(), true, true),
                 select(alert_expressions(), true, true));
}
