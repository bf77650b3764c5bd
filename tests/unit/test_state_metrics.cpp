// The metrics file's two parts: the run's metrics, written after a run, and
// the database state, rewritten during one (metrics_refresher.hpp) without
// touching the run's; a run whose state read failed keeps the last state.
#include "jobsync/commands/metrics_file.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace {

std::string read_all(const std::string& path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

double sample(const std::string& text, const std::string& pattern)
{
    const std::regex line("^" + pattern + " ([0-9.e+-]+)$", std::regex::multiline);
    std::smatch match;
    REQUIRE(std::regex_search(text, match, line));
    return std::stod(match[1]);
}

jobsync::SyncState state_with(jobsync::UnixSeconds last_page, bool walking, long long failed)
{
    jobsync::SyncState state;
    jobsync::PartitionState partition;
    partition.bucket = "media-1250000000";
    partition.tag = "Transcode";
    partition.cursor = 1700000000;
    partition.last_page_at = last_page;
    partition.walking = walking;
    partition.quarantined_jobs = 3;
    state.partitions = {partition};
    state.runs_failed_in_a_row = failed;
    return state;
}

jobsync::SyncSummary one_partition_run()
{
    jobsync::SyncSummary summary;
    jobsync::PartitionReport report;
    report.bucket = "media-1250000000";
    report.tag = "Transcode";
    report.outcome.stats.requests = 4;
    summary.reports = {report};
    summary.partitions = 1;
    summary.totals.requests = 4;
    return summary;
}

const std::string kPartition = R"(\{bucket="media-1250000000",tag="Transcode",queue=""\})";

} // namespace

TEST_CASE("state metrics: rewritten during a run, the run's metrics kept as they were")
{
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("state-metrics-" + std::to_string(::getpid()) + ".prom"))
                                 .string();
    jobsync::write_metrics_file(path, one_partition_run(), 1700000300,
                                state_with(1700000200, false, 0));
    const std::string after_run = read_all(path);
    INFO(after_run);
    CHECK(sample(after_run, "ci_jobsync_partition_last_page_timestamp_seconds" + kPartition) ==
          1700000200);
    CHECK(sample(after_run, "ci_jobsync_partition_cursor_timestamp_seconds" + kPartition) ==
          1700000000);
    CHECK(sample(after_run, "ci_jobsync_partition_quarantined_jobs" + kPartition) == 3);
    CHECK(sample(after_run, "ci_jobsync_partition_requests_total" + kPartition) == 4);
    CHECK(std::regex_search(after_run,
                            std::regex(R"(ci_jobsync_build_info\{version="[^"]+",migration="0)")));

    // During the next run: a blocked walk (walking, no new page).
    jobsync::write_state_metrics(path, state_with(1700000200, true, 0));
    const std::string during = read_all(path);
    INFO(during);
    CHECK(sample(during, "ci_jobsync_partition_walking" + kPartition) == 1);
    CHECK(sample(during, "ci_jobsync_last_run_timestamp_seconds") == 1700000300);
    CHECK(sample(during, "ci_jobsync_partition_requests_total" + kPartition) == 4);
    CHECK(sample(during, R"(ci_jobsync_runs_total\{result="success"\})") == 1);
    // Each family once: the rewrite replaced the state, it did not append it.
    CHECK(std::regex_search(during, std::regex("# TYPE ci_jobsync_partition_walking gauge")));
    CHECK_FALSE(std::regex_search(
        during, std::regex("# TYPE ci_jobsync_partition_walking gauge[\\s\\S]*# TYPE "
                           "ci_jobsync_partition_walking gauge")));
    CHECK_FALSE(
        std::regex_search(during, std::regex("# TYPE ci_jobsync_runs_total counter[\\s\\S]*# TYPE "
                                             "ci_jobsync_runs_total counter")));

    // The run ends, but the database did not answer: the state stays, counters go on.
    jobsync::write_metrics_file(path, one_partition_run(), 1700000600, std::nullopt);
    const std::string after_second = read_all(path);
    INFO(after_second);
    CHECK(sample(after_second, "ci_jobsync_partition_walking" + kPartition) == 1);
    CHECK(sample(after_second, "ci_jobsync_partition_requests_total" + kPartition) == 8);
    CHECK(sample(after_second, R"(ci_jobsync_runs_total\{result="success"\})") == 2);
    CHECK(sample(after_second, "ci_jobsync_runs_failed_in_a_row") == 0);
    std::filesystem::remove(path);
}
