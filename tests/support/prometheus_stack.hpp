// A real Prometheus and node_exporter on loopback, as an operator runs them:
// node_exporter with only its textfile collector on a temporary directory,
// Prometheus scraping it (and any other /metrics target) every second with
// the project's alert rules loaded. Debian packages prometheus and
// prometheus-node-exporter (scripts/lib_packages.sh); missing, the test fails.
#pragma once

#include "support/process.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace testing {

// The program's full path from PATH (and /usr/sbin, /usr/bin); "" when absent.
std::string find_program(const std::string& name);

class PrometheusStack {
public:
    // extra_targets: "127.0.0.1:PORT" serving /metrics, scraped as job "extra".
    explicit PrometheusStack(const std::vector<std::string>& extra_targets = {});
    ~PrometheusStack();
    PrometheusStack(const PrometheusStack&) = delete;
    PrometheusStack& operator=(const PrometheusStack&) = delete;

    // The directory node_exporter's textfile collector reads.
    const std::string& textfile_dir() const { return textfile_dir_; }

    // /api/v1/query at now: the "data" object ({resultType, result}); throws
    // with Prometheus' error when the query is refused.
    nlohmann::json query(const std::string& promql) const;
    // The result vector (empty when nothing matches).
    nlohmann::json result(const std::string& promql) const { return query(promql)["result"]; }
    // Polls until the query returns data, at most `seconds`; the last result.
    nlohmann::json wait_for_data(const std::string& promql, int seconds = 90) const;
    // Polls until the query returns nothing, at most `seconds`; true if it did.
    bool wait_for_no_data(const std::string& promql, int seconds = 90) const;

private:
    std::string dir_;
    std::string textfile_dir_;
    int prometheus_port_ = 0;
    std::unique_ptr<ChildProcess> node_exporter_;
    std::unique_ptr<ChildProcess> prometheus_;
};

} // namespace testing
