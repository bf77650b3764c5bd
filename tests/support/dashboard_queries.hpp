// The queries shipped for operators, read from the files users load:
// config/grafana/ci-jobsync.json (PromQL and SQL panels) and
// config/prometheus/ci-jobsync-rules.yml (alert expressions), and the
// metric selectors inside a PromQL expression.
#pragma once

#include <string>
#include <vector>

namespace testing {

struct ShippedQuery {
    std::string where; // "panel 'Lag per partition'" or "alert CiJobsyncPartitionStuck"
    std::string text;  // PromQL or SQL as written
};

std::string dashboard_path();
std::string rules_path();

std::vector<ShippedQuery> dashboard_promql();
std::vector<ShippedQuery> dashboard_sql();
std::vector<ShippedQuery> alert_expressions();

// Grafana's macros replaced by what Grafana would send: $__rate_interval and
// $__interval by `range`, $__timeFilter(col) by a filter over all time.
std::string expand_grafana_promql(const std::string& expr, const std::string& range = "1m");
std::string expand_grafana_sql(const std::string& sql);

// The vector selectors of an expression, each as written (name and matchers):
// `max by (tag) (rate(x{a="b"}[5m])) > 3` -> {`x{a="b"}`}.
std::vector<std::string> promql_selectors(const std::string& expr);

// The tables and views a statement reads (the names after FROM and JOIN).
std::vector<std::string> sql_relations(const std::string& sql);

} // namespace testing
