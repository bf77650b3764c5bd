// The Prometheus textfile: names, HELP/TYPE, escaped labels, counters that
// continue across runs, and an atomic write.
#include "jobsync/commands/metrics_file.hpp"
#include "jobsync/core/errors.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

jobsync::SyncSummary summary_with(int failed)
{
    jobsync::SyncSummary summary;
    jobsync::PartitionReport ok;
    ok.bucket = "media-1250000000";
    ok.tag = "Transcode";
    ok.queue_id = "p0123";
    ok.outcome.stats.lag_seconds = 95;
    jobsync::PartitionReport odd;
    odd.bucket = "media-1250000000";
    odd.tag = "Snap\"shot\\";
    odd.queue_id = "line\nbreak";
    odd.outcome.status =
        failed > 0 ? jobsync::PartitionStatus::failed : jobsync::PartitionStatus::ok;
    odd.outcome.stats.lag_seconds = failed > 0 ? -1 : 30;
    summary.reports = {ok, odd};
    summary.partitions = 2;
    summary.failed = failed;
    summary.totals.inserted = 7;
    summary.totals.updated = 2;
    summary.totals.unchanged = 100;
    summary.totals.refused = 1;
    summary.totals.quarantined = 4;
    summary.totals.pages = 3;
    summary.totals.requests = 5;
    summary.totals.retries = 2;
    summary.duration_seconds = 1.25;
    return summary;
}

bool has_line(const std::string& text, const std::string& line)
{
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

std::string read_all(const std::string& path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

struct TempDir {
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "metrics.XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

} // namespace

TEST_CASE("metrics: a successful run renders every family with HELP and TYPE")
{
    const std::string text = jobsync::render_metrics(summary_with(0), 1700000000);
    CHECK(has_line(text, "# TYPE ci_jobsync_last_success_timestamp_seconds gauge"));
    CHECK(has_line(text, "ci_jobsync_last_success_timestamp_seconds 1700000000"));
    CHECK(has_line(text, "ci_jobsync_last_run_success 1"));
    CHECK(has_line(text, "ci_jobsync_last_run_duration_seconds 1.25"));
    CHECK(has_line(text, "ci_jobsync_partition_lag_seconds{bucket=\"media-1250000000\","
                         "tag=\"Transcode\",queue=\"p0123\"} 95"));
    CHECK(has_line(text, "ci_jobsync_partition_lag_seconds{bucket=\"media-1250000000\","
                         "tag=\"Snap\\\"shot\\\\\",queue=\"line\\nbreak\"} 30"));
    CHECK(has_line(text, "# TYPE ci_jobsync_jobs_total counter"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"inserted\"} 7"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"updated\"} 2"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"unchanged\"} 100"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"refused\"} 1"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"quarantined\"} 4"));
    CHECK(has_line(text, "ci_jobsync_requests_total 5"));
    CHECK(has_line(text, "ci_jobsync_retries_total 2"));
    CHECK(has_line(text, "ci_jobsync_errors_total 0"));
    CHECK(has_line(text, "ci_jobsync_runs_total{result=\"success\"} 1"));

    // Every sample belongs to a family announced just before with HELP and TYPE.
    std::istringstream in(text);
    std::string family;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0) {
            family = line.substr(7, line.find(' ', 7) - 7);
        } else if (line.rfind("# TYPE ", 0) == 0) {
            CHECK(line.substr(7, family.size()) == family);
        } else {
            INFO(line);
            CHECK(line.rfind(family, 0) == 0);
        }
    }
}

TEST_CASE("metrics: a failed run has no success time of its own and no lag where unknown")
{
    const std::string text = jobsync::render_metrics(summary_with(1), 1700000000);
    CHECK(text.find("ci_jobsync_last_success_timestamp_seconds 1") == std::string::npos);
    CHECK(has_line(text, "ci_jobsync_last_run_success 0"));
    CHECK(has_line(text, "ci_jobsync_errors_total 1"));
    CHECK(text.find("queue=\"line\\nbreak\"} -1") == std::string::npos);
    CHECK(has_line(text, "ci_jobsync_partition_up{bucket=\"media-1250000000\","
                         "tag=\"Snap\\\"shot\\\\\",queue=\"line\\nbreak\"} 0"));
}

TEST_CASE("metrics: the file keeps the last success time and counts on across runs")
{
    TempDir dir;
    const std::string path = dir.path + "/ci-jobsync.prom";
    jobsync::write_metrics_file(path, summary_with(0), 1700000000);
    jobsync::write_metrics_file(path, summary_with(1), 1700000300);
    const std::string text = read_all(path);
    CHECK(has_line(text, "ci_jobsync_last_success_timestamp_seconds 1700000000"));
    CHECK(has_line(text, "ci_jobsync_last_run_timestamp_seconds 1700000300"));
    CHECK(has_line(text, "ci_jobsync_jobs_total{result=\"inserted\"} 14"));
    CHECK(has_line(text, "ci_jobsync_runs_total{result=\"success\"} 1"));
    CHECK(has_line(text, "ci_jobsync_runs_total{result=\"failure\"} 1"));

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0644);
    // Nothing but the file itself is left in the directory.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                        std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("metrics: an unwritable path is a RunError naming it")
{
    CHECK_THROWS_AS(jobsync::write_metrics_file("/nonexistent-dir/x.prom", summary_with(0), 1),
                    jobsync::RunError);
    CHECK_THROWS_WITH(jobsync::write_metrics_file("/nonexistent-dir/x.prom", summary_with(0), 1),
                      Catch::Contains("/nonexistent-dir/x.prom"));
}
