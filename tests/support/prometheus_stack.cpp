#include "support/prometheus_stack.hpp"

#include "jobsync/core/url_encode.hpp"
#include "support/dashboard_queries.hpp"
#include "support/http_request.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace testing {
namespace {

std::string make_temp_dir()
{
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ci-jobsync-prometheus.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary directory");
    }
    return pattern;
}

std::string required_program(const std::string& name, const std::string& package)
{
    const std::string path = find_program(name);
    if (path.empty()) {
        throw std::runtime_error(name + " not found: install the Debian package " + package +
                                 " (scripts/lib_packages.sh; scripts/test.sh installs it)");
    }
    return path;
}

void wait_until_ready(int port, const std::string& path, const char* what)
{
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    for (int i = 0; i < 600; ++i) {
        if (http_request("GET", url).status == 200) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error(std::string(what) + " did not answer on " + url);
}

} // namespace

std::string find_program(const std::string& name)
{
    std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    path += ":/usr/sbin:/usr/bin";
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = dir + "/" + name;
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return "";
}

PrometheusStack::PrometheusStack(const std::vector<std::string>& extra_targets)
    : dir_(make_temp_dir()), textfile_dir_(dir_ + "/textfile")
{
    const std::string node_exporter =
        required_program("prometheus-node-exporter", "prometheus-node-exporter");
    const std::string prometheus = required_program("prometheus", "prometheus");
    std::filesystem::create_directory(textfile_dir_);

    const int node_port = free_loopback_port();
    node_exporter_ = std::make_unique<ChildProcess>(
        node_exporter,
        std::vector<std::string>{"--collector.disable-defaults", "--collector.textfile",
                                 "--collector.textfile.directory=" + textfile_dir_,
                                 "--web.listen-address=127.0.0.1:" + std::to_string(node_port)});
    wait_until_ready(node_port, "/metrics", "node_exporter");

    std::string targets;
    for (const std::string& target : extra_targets) {
        targets += (targets.empty() ? "" : ", ") + ("'" + target + "'");
    }
    const std::string config_path = dir_ + "/prometheus.yml";
    std::ofstream(config_path)
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << rules_path() << "\n"
        << "scrape_configs:\n"
        << "  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:" << node_port
        << "']\n"
        << (targets.empty()
                ? ""
                : "  - job_name: extra\n    static_configs:\n      - targets: [" + targets + "]\n");
    prometheus_port_ = free_loopback_port();
    prometheus_ = std::make_unique<ChildProcess>(
        prometheus, std::vector<std::string>{
                        "--config.file=" + config_path, "--storage.tsdb.path=" + dir_ + "/data",
                        "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_)});
    wait_until_ready(prometheus_port_, "/-/ready", "prometheus");
}

PrometheusStack::~PrometheusStack()
{
    for (ChildProcess* child : {prometheus_.get(), node_exporter_.get()}) {
        if (child != nullptr) {
            child->send_signal(SIGTERM);
            child->wait();
        }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

nlohmann::json PrometheusStack::query(const std::string& promql) const
{
    const HttpAnswer answer =
        http_request("GET", "http://127.0.0.1:" + std::to_string(prometheus_port_) +
                                "/api/v1/query?query=" + jobsync::url_encode(promql));
    const nlohmann::json body = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status != 200 || body.is_discarded() || body.value("status", "") != "success") {
        throw std::runtime_error("Prometheus refused `" + promql + "` (HTTP " +
                                 std::to_string(answer.status) + "): " + answer.body);
    }
    return body["data"];
}

nlohmann::json PrometheusStack::wait_for_data(const std::string& promql, int seconds) const
{
    nlohmann::json found = result(promql);
    for (int i = 0; i < seconds * 4 && found.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        found = result(promql);
    }
    return found;
}

bool PrometheusStack::wait_for_no_data(const std::string& promql, int seconds) const
{
    for (int i = 0; i < seconds * 4; ++i) {
        if (result(promql).empty()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

} // namespace testing
