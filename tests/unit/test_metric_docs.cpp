// What operators load and read: every metric the worker writes is in the
// table of docs/operations.md with its type; the dashboard is a Grafana
// dashboard whose data sources are the provisioned ones; the PromQL
// selector reader the real-Prometheus test relies on.
#include "jobsync/commands/metrics_file.hpp"
#include "jobsync/commands/state_metrics.hpp"
#include "jobsync/listen/listen_metrics.hpp"
#include "support/dashboard_queries.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

using testing::promql_selectors;

namespace {

std::string read_all(const std::string& path)
{
    std::ifstream file(path);
    REQUIRE(file.good());
    return std::string(std::istreambuf_iterator<char>(file), {});
}

// `# TYPE name type` lines of an exposition.
std::map<std::string, std::string> families_of(const std::string& text)
{
    std::map<std::string, std::string> families;
    static const std::regex type_line(R"(^# TYPE (\S+) (\S+)$)", std::regex::multiline);
    for (std::sregex_iterator it(text.begin(), text.end(), type_line), end; it != end; ++it) {
        families[(*it)[1]] = (*it)[2];
    }
    return families;
}

// Rows of the metric tables: | `name{labels}` | type | meaning |
std::map<std::string, std::string> documented_metrics()
{
    const std::string doc = read_all(std::string(PROJECT_SOURCE_DIR) + "/docs/operations.md");
    std::map<std::string, std::string> rows;
    static const std::regex row(
        R"(^\| `(ci_jobsync_[a-z_]+)(?:[^|\\]|\\.)*\| (gauge|counter|summary) \|)",
        std::regex::multiline);
    for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
        rows[(*it)[1]] = (*it)[2];
    }
    return rows;
}

std::string rendered_sync_metrics()
{
    jobsync::SyncSummary summary;
    jobsync::PartitionReport report;
    report.bucket = "media-1250000000";
    report.tag = "Transcode";
    report.outcome.stats.lag_seconds = 10;
    summary.reports = {report};
    jobsync::SyncState state;
    jobsync::PartitionState partition;
    partition.bucket = report.bucket;
    partition.tag = report.tag;
    partition.cursor = 1700000000;
    partition.last_page_at = 1700000100;
    state.partitions = {partition};
    jobsync::PreviousMetrics previous;
    jobsync::Exposition out(previous);
    jobsync::render_state(out, state);
    return jobsync::render_metrics(summary, 1700000200) + out.text();
}

} // namespace

TEST_CASE("docs/operations.md lists every metric the sync and the listener write, with its type")
{
    const auto documented = documented_metrics();
    jobsync::ListenMetrics listener;
    for (const std::string& text :
         {rendered_sync_metrics(), listener.render(jobsync::inbox_store::InboxActivity{})}) {
        for (const auto& [name, type] : families_of(text)) {
            INFO(name);
            const auto row = documented.find(name);
            REQUIRE(row != documented.end());
            CHECK(row->second == type);
        }
    }
}

TEST_CASE("the dashboard is a Grafana dashboard over the two provisioned data sources")
{
    const auto dashboard = nlohmann::json::parse(read_all(testing::dashboard_path()));
    CHECK(dashboard.at("schemaVersion").get<int>() >= 36);
    CHECK(dashboard.at("uid").get<std::string>() == "ci-jobsync");
    CHECK_FALSE(dashboard.at("title").get<std::string>().empty());
    const std::string provisioning =
        read_all(std::string(PROJECT_SOURCE_DIR) +
                 "/config/grafana/provisioning/datasources/ci-jobsync.yml");
    const std::map<std::string, std::string> sources{
        {"ci-jobsync-prometheus", "prometheus"},
        {"ci-jobsync-postgres", "grafana-postgresql-datasource"}};
    for (const auto& [uid, type] : sources) {
        CHECK(std::regex_search(provisioning,
                                std::regex("uid: " + uid + "\\s+type: " + type + "\\b")));
    }
    std::set<int> ids;
    const std::set<std::string> panel_types{"row", "timeseries", "stat", "table", "barchart"};
    for (const auto& panel : dashboard.at("panels")) {
        INFO(panel.dump());
        CHECK(ids.insert(panel.at("id").get<int>()).second);
        CHECK(panel_types.count(panel.at("type").get<std::string>()) == 1);
        for (const char* key : {"h", "w", "x", "y"}) {
            CHECK(panel.at("gridPos").at(key).is_number_integer());
        }
        CHECK(panel.at("gridPos").at("x").get<int>() + panel.at("gridPos").at("w").get<int>() <=
              24);
        if (panel.at("type") == "row") {
            continue;
        }
        const auto& source = panel.at("datasource");
        REQUIRE(sources.count(source.at("uid").get<std::string>()) == 1);
        CHECK(source.at("type") == sources.at(source.at("uid").get<std::string>()));
        REQUIRE_FALSE(panel.at("targets").empty());
        for (const auto& target : panel.at("targets")) {
            CHECK(target.at("datasource") == source);
            CHECK_FALSE(target.at("refId").get<std::string>().empty());
            if (source.at("type") == "prometheus") {
                CHECK_FALSE(target.at("expr").get<std::string>().empty());
            } else {
                CHECK(target.at("rawQuery") == true);
                CHECK_FALSE(target.at("rawSql").get<std::string>().empty());
                CHECK((target.at("format") == "table" || target.at("format") == "time_series"));
            }
        }
    }
    CHECK(testing::dashboard_promql().size() > 10);
    CHECK(testing::dashboard_sql().size() > 5);
    CHECK(testing::alert_expressions().size() == 9);
}

TEST_CASE("promql_selectors: metrics named in an expression, not functions, labels or keywords")
{
    using V = std::vector<std::string>;
    CHECK(promql_selectors("time() - max by (bucket, tag, queue) (x_seconds) > 1800") ==
          V{"x_seconds"});
    CHECK(promql_selectors("sum by (result) (rate(a_total{result=\"ok\"}[5m]))") ==
          V{"a_total{result=\"ok\"}"});
    CHECK(promql_selectors("a / on (x) group_left (y) b offset 5m and c unless d") ==
          V{"a", "b", "c", "d"});
    CHECK(promql_selectors("max(n{file=~\"(.*/)?ci-jobsync[^/]*\\\\.prom\"}) > 1e3") ==
          V{"n{file=~\"(.*/)?ci-jobsync[^/]*\\\\.prom\"}"});
    CHECK(promql_selectors("max without (instance) (a) + sum (b) - count by (x) (c)") ==
          V{"a", "b", "c"});
    CHECK(promql_selectors("max by (verdict) (v{verdict=~\"a|b\"}) > 0") ==
          V{"v{verdict=~\"a|b\"}"});
}
