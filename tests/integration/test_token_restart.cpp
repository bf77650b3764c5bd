// A walk restarted mid-window over offset-like tokens loses nothing: the
// ci-emulator process hands out tokens that name only the listing and the
// position (--offset-tokens) and refuses some of them (--token-reject-rate),
// so every restarted walk is handed the tokens of its first walk again. sync,
// backfill and verify (the ci-jobsync binary) must still see every job of the
// window.
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

using namespace testing;
using jobsync::emulator::GeneratorOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot"};
constexpr std::size_t kJobs = 1200;
constexpr std::uint64_t kSeed = 31;

// The ci-emulator binary serving the jobs generated from kSeed; the same
// jobs are generated in-process to compare the database with.
class EmulatorProcess {
public:
    EmulatorProcess()
        : port_file_(write_temp_file("", ".port")),
          process_(EMULATOR_BINARY,
                   {"--port", "0", "--seed", std::to_string(kSeed), "--jobs", std::to_string(kJobs),
                    "--tags", "Transcode,Snapshot", "--secret-id", kTestSecretId, "--secret-key",
                    kTestSecretKey, "--offset-tokens", "--token-reject-rate", "0.3", "--port-file",
                    port_file_})
    {
        std::remove(port_file_.c_str()); // the emulator writes it once it listens
        for (int i = 0; i < 200 && port_ == 0; ++i) {
            std::ifstream in(port_file_);
            if (!(in >> port_)) {
                port_ = 0;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        REQUIRE(port_ > 0);
        fixture_jobs_ = generate_expected();
    }

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const EmulatorFixture& expected() const { return *fixture_jobs_; }

private:
    static std::unique_ptr<EmulatorFixture> generate_expected()
    {
        return std::make_unique<EmulatorFixture>(generated_jobs(kJobs, kSeed, kTags));
    }

    std::string port_file_;
    ChildProcess process_;
    int port_ = 0;
    std::unique_ptr<EmulatorFixture> fixture_jobs_;
};

std::string config_path(const TempDatabase& db, const EmulatorProcess& emulator)
{
    ConfigSpec spec;
    spec.endpoint = emulator.endpoint();
    spec.tags = kTags;
    spec.sync_extra = "page_size = 40\n";
    std::string path;
    load_test_config(db, spec, &path);
    return path;
}

} // namespace

TEST_CASE("token restart: sync over offset-like tokens refused mid-window lands every job")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const EmulatorProcess emulator;
    const ProcessResult run = run_jobsync({"--config", config_path(db, emulator), "sync"});
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    // The walks were restarted: the refusals reached the walker.
    CHECK(run.output.find("continuation token rejected") != std::string::npos);
    CHECK(db.scalar("SELECT count(*) FROM jobs") == std::to_string(kJobs));
    require_same_as_dataset(db, emulator.expected());
}

TEST_CASE("token restart: backfill and verify over offset-like tokens see every job")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const EmulatorProcess emulator;
    const std::string path = config_path(db, emulator);
    const ProcessResult backfill =
        run_jobsync({"--config", path, "backfill", "--from", "2023-12-31T00:00:00Z"});
    INFO(backfill.output);
    REQUIRE(backfill.exit_code == 0);
    CHECK(backfill.output.find("continuation token rejected") != std::string::npos);
    require_same_as_dataset(db, emulator.expected());

    const ProcessResult verify = run_jobsync({"--config", path, "verify"});
    INFO(verify.output);
    CHECK(verify.exit_code == 0);
    CHECK(verify.output.find("verify: " + std::to_string(kJobs) + " jobs checked") !=
          std::string::npos);
    CHECK(verify.output.find("0 missing, 0 extra, 0 different") != std::string::npos);

    // A missing job is found even when the walk is restarted past it.
    REQUIRE(db.scalar("WITH gone AS (DELETE FROM jobs WHERE job_id = (SELECT max(job_id) FROM "
                      "jobs) RETURNING 1) SELECT count(*) FROM gone") == "1");
    const ProcessResult after_loss = run_jobsync({"--config", path, "verify"});
    INFO(after_loss.output);
    CHECK(after_loss.exit_code == 1);
    CHECK(after_loss.output.find("1 missing") != std::string::npos);
}
