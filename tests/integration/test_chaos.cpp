// The chaos test: the ci-jobsync binary is killed with SIGKILL at random
// instants, at least 30 times, while it syncs 20,000 jobs from an emulator
// injecting 5xx, throttles, truncated bodies and token expiry, with jobs
// added and finished between kills. After one clean run the database equals
// the emulator's data exactly and verify agrees. No log holds a secret.
#include "jobsync/commands/window_walk.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/dataset_comparison.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>
#include <thread>

using namespace testing;
using jobsync::emulator::FaultOptions;
using jobsync::emulator::GeneratorOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot", "Animation", "MediaInfo"};
constexpr int kKills = 30;
constexpr std::size_t kJobs = 20000;

GeneratorOptions chaos_generator()
{
    GeneratorOptions options;
    options.seed = 4242;
    options.count = kJobs;
    options.tags = kTags;
    // Inside the refresh horizon, so jobs finished between kills must be refreshed.
    options.spacing_seconds = 10;
    options.first_creation_time = jobsync::now_unix_seconds() - 3 * 86400;
    return options;
}

FaultOptions chaos_faults()
{
    FaultOptions faults;
    faults.server_error_rate = 0.05;
    faults.throttle_rate = 0.01;
    faults.truncate_rate = 0.05;
    faults.token_ttl_seconds = 2;
    faults.latency_ms = 2;
    return faults;
}

// Everything a log must never contain: the key and signature material.
void check_no_secret(const std::string& output)
{
    CHECK(output.find(kTestSecretKey) == std::string::npos);
    CHECK(output.find("q-signature") == std::string::npos);
    CHECK(output.find("q-sign-algorithm") == std::string::npos);
}

// When a page was last committed: each page transaction stamps its slice
// (and the last one its partition's checkpoint).
constexpr const char* kLastPageSql =
    "SELECT coalesce(greatest((SELECT max(last_page_at) FROM sync_checkpoints), "
    "(SELECT max(last_page_at) FROM sync_slices))::text, '')";

} // namespace

TEST_CASE("chaos: SIGKILL at random instants under faults and mutations converges exactly")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(chaos_generator(), chaos_faults());
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = kTags;
    spec.sync_extra = "page_size = 100\nmax_attempts = 8\nretry_max_time = \"20s\"\n";
    std::string config_path;
    const jobsync::Config config = load_test_config(db, spec, &config_path);

    std::mt19937 random(20260101);
    // The kill instant is drawn within the length of the last run that was
    // allowed to finish, so kills land inside runs whether a run is a long
    // first load (ASan build) or a quick incremental one (optimised build).
    long last_run_ms = 2000;
    std::uint64_t added = 0;
    int kills = 0;
    int completed = 0;
    std::vector<std::string> outputs;
    for (int round = 0; kills < kKills && round < 6 * kKills; ++round) {
        if (round % 4 == 3) { // new jobs arrive, some unfinished
            const jobsync::UnixSeconds recent = jobsync::now_unix_seconds() - 90;
            for (int i = 0; i < 40; ++i, ++added) {
                emulator.dataset.add(jobsync::emulator::generate_job(
                    emulator.generator, 5000000 + added, kTags[added % kTags.size()], recent));
            }
        }
        if (round % 6 == 5) { // late state changes
            emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 30);
        }
        const auto started = std::chrono::steady_clock::now();
        const std::string pages_before = db.scalar(kLastPageSql);
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        if (round % 2 == 1) {
            // Every other kill follows committed progress (a page recorded by
            // this run), so kills land after commits however slow the machine.
            testing::wait_until(
                [&] { return !worker.running() || db.scalar(kLastPageSql) != pages_before; },
                std::chrono::minutes(3), "a page committed by the chaos run");
        } else {
            const int delay_ms = std::uniform_int_distribution<int>(
                5, static_cast<int>(std::max(50L, last_run_ms)))(random);
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        }
        if (worker.running()) {
            worker.send_signal(SIGKILL);
            ++kills;
            outputs.push_back(worker.wait().output);
        } else {
            ++completed;
            outputs.push_back(worker.wait().output);
            last_run_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
        }
    }
    INFO("kills=" << kills << " completed=" << completed);
    REQUIRE(kills >= kKills);
    CHECK(db.count("jobs") > 0);

    // One clean run (faults off; wait for locks the killed sessions may still hold).
    emulator.server->set_faults({});
    const ProcessResult final_run =
        run_jobsync({"-v", "--config", config_path, "sync", "--wait-lock", "30"});
    outputs.push_back(final_run.output);
    INFO(final_run.output.substr(final_run.output.size() > 4000 ? final_run.output.size() - 4000
                                                                : 0));
    REQUIRE(final_run.exit_code == 0);

    auto conn = db.connect();
    const auto differences =
        compare_with_dataset(*conn, emulator.dataset, emulator.generator.bucket);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
    CHECK(db.count("jobs") == static_cast<long long>(kJobs + added));

    std::ostringstream report;
    const int verified = jobsync::run_verify(config, {}, report, nullptr);
    INFO(report.str());
    CHECK(verified == 0);

    for (const std::string& output : outputs) {
        check_no_secret(output);
    }
}
