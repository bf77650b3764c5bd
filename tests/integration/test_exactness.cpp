// Exactness under failure: database faults, signals, HTTP faults injected by
// the emulator, and expired or stale continuation tokens. Every case ends
// with the database equal to the emulator's data, or with nothing moved.
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_assertions.hpp"
#include "support/dataset_comparison.hpp"
#include "support/fault_trigger.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <exception>
#include <thread>

using namespace testing;
using jobsync::emulator::FaultOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Animation"};

ConfigSpec spec_with(const EmulatorFixture& emulator, const std::string& sync_extra)
{
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = sync_extra;
    return spec;
}

// Runs the binary and checks the one thing every run must hold: no secret.
ProcessResult run_checked(const std::vector<std::string>& args)
{
    ProcessResult result = run_jobsync(args);
    INFO(result.output);
    CHECK(result.output.find(kTestSecretKey) == std::string::npos);
    return result;
}

struct FaultedRun {
    jobsync::SyncSummary summary;
    long faults_fired = 0;
    std::exception_ptr error; // what the sync threw, if it did
};

// One sync with a trigger on sync_slices that makes the first `times` page
// commits fail with `action` (PL/pgSQL); the trigger is gone afterwards.
FaultedRun sync_with_checkpoint_fault(const TempDatabase& db, const jobsync::Config& config,
                                      int times, const std::string& action)
{
    const FaultTrigger trigger(db, "BEFORE UPDATE ON sync_slices FOR EACH ROW",
                               "IF NEW.pages > OLD.pages THEN "
                               "n := nextval('fault_seq'); IF n <= " +
                                   std::to_string(times) + " THEN " + action + " END IF; END IF;");
    FaultedRun run;
    try {
        run.summary = sync_once(config);
    } catch (...) {
        run.error = std::current_exception();
    }
    run.faults_fired = trigger.fired();
    return run;
}

// Walks in progress with a stored continuation token (a plan's slices).
const char* const kStoredTokens = "SELECT count(*) FROM sync_slices WHERE next_token IS NOT NULL";

} // namespace

TEST_CASE("exactness: a connection lost mid-run reconnects, re-locks and redoes the page")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(600, 21, kTags));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, "page_size = 50\n"));
    // The backend of the page's transaction is terminated before it commits.
    const FaultedRun run =
        sync_with_checkpoint_fault(db, config, 3,
                                   "PERFORM pg_terminate_backend(pg_backend_pid()); "
                                   "PERFORM pg_sleep(5);");
    CHECK(run.faults_fired > 3);
    REQUIRE_FALSE(run.error);
    CHECK(run.summary.failed == 0);
    CHECK(db.scalar("SELECT status FROM sync_runs") == "ok");
    CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_status = 'ok' AND "
                    "walk_window_end IS NULL") == "2");
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: a connection lost on every page stops the run with the worker's RunError")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(100, 24, kTags));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, "page_size = 50\n"));
    const FaultedRun run = sync_with_checkpoint_fault(
        db, config, 1000, "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5);");
    // Five reconnects in a row per worker, then the run stops.
    CHECK(run.faults_fired >= 6);
    REQUIRE(run.error);
    CHECK_THROWS_AS(std::rethrow_exception(run.error), jobsync::RunError);
    CHECK_THROWS_WITH(std::rethrow_exception(run.error),
                      Catch::Contains("lost the database connection while syncing partition"));
    CHECK(db.scalar("SELECT status FROM sync_runs") == "failed");
    CHECK(db.scalar("SELECT count(*) FROM jobs") == "0");
}

TEST_CASE("exactness: serialization failures and deadlocks are retried")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(300, 22, kTags));
    const jobsync::Config config = load_test_config(db, spec_with(emulator, "page_size = 50\n"));
    const FaultedRun run =
        sync_with_checkpoint_fault(db, config, 4,
                                   "IF n % 2 = 0 THEN RAISE EXCEPTION 'injected' USING ERRCODE = "
                                   "'serialization_failure'; ELSE RAISE EXCEPTION 'injected' USING "
                                   "ERRCODE = 'deadlock_detected'; END IF;");
    CHECK(run.faults_fired > 4);
    REQUIRE_FALSE(run.error);
    CHECK(run.summary.failed == 0);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: PostgreSQL down at start names the host and port, exit 1")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(10, 23, kTags));
    std::string text = config_text(db, spec_for(emulator));
    const std::string url = "url = \"" + db.url() + "\"";
    text.replace(text.find(url), url.size(),
                 "url = \"host=127.0.0.1 port=1 dbname=nothing connect_timeout=5\"");
    const std::string path = write_temp_file(text);
    const ProcessResult run = run_checked({"--config", path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK(run.output.find("cannot connect to PostgreSQL") != std::string::npos);
    CHECK(run.output.find("host=127.0.0.1 port=1") != std::string::npos);
}

TEST_CASE("exactness: SIGTERM and SIGINT stop promptly, record the run as interrupted")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    FaultOptions slow;
    slow.latency_ms = 150;
    EmulatorFixture emulator(generated_jobs(2000, 24, kTags), slow);
    std::string config_path;
    load_test_config(db, spec_with(emulator, "page_size = 10\n"), &config_path);

    for (const int signal : {SIGTERM, SIGINT}) {
        const long long jobs_before = db.count("jobs");
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        // Stopped mid-walk: once this run has committed a page, however slow the machine.
        wait_until([&] { return db.count("jobs") > jobs_before; }, std::chrono::seconds(60),
                   "the run has committed a page");
        REQUIRE(worker.running());
        const auto sent = std::chrono::steady_clock::now();
        worker.send_signal(signal);
        const ProcessResult result = worker.wait();
        const auto took = std::chrono::steady_clock::now() - sent;
        INFO(result.output);
        CHECK(result.exit_code == 128 + signal);
        // A hang guard, not a speed bound: the request in flight is aborted, no
        // 150 ms page is waited out page after page (2,000 jobs would take minutes).
        CHECK(took < std::chrono::seconds(20));
        CHECK(result.output.find(kTestSecretKey) == std::string::npos);
        CHECK(db.scalar("SELECT status FROM sync_runs ORDER BY run_id DESC LIMIT 1") ==
              "interrupted");
        CHECK(db.scalar("SELECT count(*) FROM sync_checkpoints WHERE last_status = "
                        "'interrupted'") != "0");
    }
    CHECK(db.count("jobs") > 0);
    emulator.server->set_faults({});
    const ProcessResult final_run = run_checked({"--config", config_path, "sync"});
    REQUIRE(final_run.exit_code == 0);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: 5xx, 503 SlowDown and truncated bodies are retried; the data is exact")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    FaultOptions faults;
    faults.server_error_rate = 0.15;
    faults.throttle_rate = 0.05;
    faults.truncate_rate = 0.15;
    EmulatorFixture emulator(generated_jobs(800, 25, kTags), faults);
    const jobsync::Config config =
        load_test_config(db, spec_with(emulator, "page_size = 50\nmax_attempts = 12\n"));
    const jobsync::SyncSummary summary = sync_once(config);
    CHECK(summary.failed == 0);
    CHECK(summary.totals.retries > 0);
    CHECK(emulator.server->stats().faults_injected == summary.totals.retries);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: Retry-After is honoured, and a partition that stays throttled fails "
          "without moving its checkpoint")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(100, 26, kTags));
    ConfigSpec spec = spec_with(emulator, "max_attempts = 2\n");
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);
    REQUIRE(run_checked({"--config", config_path, "sync"}).exit_code == 0);
    const std::string before = db.scalar("SELECT cursor::text FROM sync_checkpoints");

    FaultOptions throttled;
    throttled.throttle_rate = 1;
    emulator.server->set_faults(throttled);
    const auto started = std::chrono::steady_clock::now();
    const ProcessResult run = run_checked({"--config", config_path, "sync"});
    const auto took = std::chrono::steady_clock::now() - started;
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK(took >= std::chrono::seconds(1)); // Retry-After: 1, above the 400 ms jitter ceiling
    CHECK(run.output.find("delay_ms=1000") != std::string::npos);
    CHECK(run.output.find("SlowDown") != std::string::npos);
    CHECK(db.scalar("SELECT cursor::text FROM sync_checkpoints") == before);
    const std::string error = db.scalar("SELECT last_error FROM sync_checkpoints");
    CHECK(error.find("giving up after 2 attempts") != std::string::npos);
    CHECK(error.find("HTTP 503 SlowDown") != std::string::npos);
    CHECK(error.find("RequestId") != std::string::npos);
    CHECK(db.scalar("SELECT status FROM sync_runs ORDER BY run_id DESC LIMIT 1") == "failed");
    const std::string run_errors =
        db.scalar("SELECT errors FROM sync_runs ORDER BY run_id DESC LIMIT 1");
    CHECK(run_errors.find("SlowDown") != std::string::npos);

    // A Retry-After longer than what is left of sync.retry_max_time is not waited for.
    ConfigSpec tight = spec;
    tight.sync_extra = "max_attempts = 5\nretry_max_time = \"1s\"\n";
    load_test_config(db, tight, &config_path);
    const ProcessResult budget = run_checked({"--config", config_path, "sync"});
    INFO(budget.output);
    CHECK(budget.exit_code == 1);
    CHECK(budget.output.find("giving up after 1 attempts (sync.retry_max_time would be "
                             "exceeded)") != std::string::npos);
    CHECK(db.scalar("SELECT cursor::text FROM sync_checkpoints") == before);
}

TEST_CASE("exactness: an expired token restarts the walk from the last committed job")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    FaultOptions faults;
    faults.latency_ms = 60;
    faults.token_ttl_seconds = 1;
    EmulatorFixture emulator(generated_jobs(1500, 27, kTags), faults);
    std::string config_path;
    load_test_config(db, spec_with(emulator, "page_size = 20\n"), &config_path);

    // Killed mid-walk; by the next run the stored tokens have expired.
    {
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        // Killed once a page's token is committed, however slow the machine.
        wait_until([&] { return db.scalar(kStoredTokens) != "0"; }, std::chrono::seconds(60),
                   "a walk has committed a page with its continuation token");
        worker.send_signal(SIGKILL);
        worker.wait();
    }
    REQUIRE(db.scalar(kStoredTokens) != "0");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    faults.latency_ms = 0;
    emulator.server->set_faults(faults);
    const ProcessResult run = run_checked({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("continuation token rejected") != std::string::npos);
    CHECK(run.output.find("nextToken expired") != std::string::npos);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: a token older than sync.token_max_age is not resumed")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    FaultOptions slow;
    slow.latency_ms = 60;
    EmulatorFixture emulator(generated_jobs(1500, 28, kTags), slow);
    std::string config_path;
    load_test_config(db, spec_with(emulator, "page_size = 20\ntoken_max_age = \"1s\"\n"),
                     &config_path);
    {
        ChildProcess worker(JOBSYNC_BINARY, {"--config", config_path, "sync"});
        // Killed once a page's token is committed, however slow the machine.
        wait_until([&] { return db.scalar(kStoredTokens) != "0"; }, std::chrono::seconds(60),
                   "a walk has committed a page with its continuation token");
        worker.send_signal(SIGKILL);
        worker.wait();
    }
    REQUIRE(db.scalar(kStoredTokens) != "0");
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    emulator.server->set_faults({});
    const ProcessResult run = run_checked({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("older than sync.token_max_age") != std::string::npos);
    CHECK(run.output.find("continuation token rejected") == std::string::npos);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("exactness: a partition another process holds is skipped, or waited for with "
          "--wait-lock")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(200, 29, kTags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);

    // The other process: a session holding the partition's advisory lock.
    auto holder = db.connect();
    const std::string key = "ci-jobsync:" + db.schema() + ":" + spec.bucket + ":Transcode:";
    pqxx::nontransaction(*holder).exec_params("SELECT pg_advisory_lock(hashtextextended($1, 0))",
                                              key);

    const ProcessResult skipped = run_checked({"--config", config_path, "sync"});
    INFO(skipped.output);
    CHECK(skipped.exit_code == 0);
    CHECK(skipped.output.find("being synced by another process; skipped") != std::string::npos);
    CHECK(skipped.output.find("skipped=1") != std::string::npos);
    CHECK(db.count("jobs") == 0);

    ChildProcess waiter(JOBSYNC_BINARY, {"--config", config_path, "sync", "--wait-lock", "20"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(waiter.running());
    pqxx::nontransaction(*holder).exec_params("SELECT pg_advisory_unlock(hashtextextended($1, 0))",
                                              key);
    const ProcessResult waited = waiter.wait();
    INFO(waited.output);
    CHECK(waited.exit_code == 0);
    CHECK(waited.output.find("skipped=0") != std::string::npos);
    require_same_as_dataset(db, emulator, spec.tags);
}
