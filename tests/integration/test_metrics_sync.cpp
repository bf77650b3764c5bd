// The metrics file of real sync runs against the emulator: every partition's
// lag, and job counters that add up across runs.
#include "jobsync/commands/metrics_file.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

using namespace testing;

namespace {

// The value of the one sample whose name and labels match the pattern.
double sample(const std::string& text, const std::string& pattern)
{
    const std::regex line("^" + pattern + " ([0-9.e+-]+)$", std::regex::multiline);
    std::smatch match;
    REQUIRE(std::regex_search(text, match, line));
    return std::stod(match[1]);
}

std::string read_all(const std::string& path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

} // namespace

TEST_CASE("metrics: two syncs of the emulator, the file tracks lag and cumulative jobs")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(300, 7, {"Transcode", "Snapshot"}));
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    const std::string path =
        (std::filesystem::temp_directory_path() / ("metrics-" + db.name() + ".prom")).string();

    const jobsync::SyncSummary first = jobsync::run_sync(config, {}, nullptr);
    REQUIRE(first.failed == 0);
    jobsync::write_metrics_file(path, first, jobsync::now_unix_seconds());
    const jobsync::SyncSummary second = jobsync::run_sync(config, {}, nullptr);
    REQUIRE(second.failed == 0);
    const jobsync::UnixSeconds finished = jobsync::now_unix_seconds();
    jobsync::write_metrics_file(path, second, finished);
    const std::string text = read_all(path);
    std::filesystem::remove(path);
    INFO(text);

    CHECK(sample(text, "ci_jobsync_last_success_timestamp_seconds") ==
          static_cast<double>(finished));
    CHECK(sample(text, R"(ci_jobsync_jobs_total\{result="inserted"\})") == 300);
    CHECK(sample(text, R"(ci_jobsync_jobs_total\{result="unchanged"\})") ==
          static_cast<double>(first.totals.unchanged + second.totals.unchanged));
    CHECK(sample(text, R"(ci_jobsync_runs_total\{result="success"\})") == 2);
    CHECK(sample(text, "ci_jobsync_requests_total") ==
          static_cast<double>(first.totals.requests + second.totals.requests));
    for (const std::string& tag : emulator.generator.tags) {
        INFO(tag);
        const double lag =
            sample(text, "ci_jobsync_partition_lag_seconds\\{bucket=\"" +
                             emulator.generator.bucket + "\",tag=\"" + tag + "\",queue=\"\"\\}");
        // The window ends settle_delay before now, so the lag is about that.
        CHECK(lag >= 0);
        CHECK(lag < 600);
    }
}
