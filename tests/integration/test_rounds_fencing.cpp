// Fencing, end to end with the real binary: a worker stopped (SIGSTOP) inside
// a slice and resumed (SIGCONT) after its slices were taken over and the next
// window planned has its commits refused and loses no job; a walker thread
// blocked while its process lives loses its claim once its lease runs out;
// the state that livelocked 0008's slice claims syncs and exits 0; a run
// that resumes a killed run's plan also plans and walks the window since.
#include "support/dataset_assertions.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"
#include "support/wait_until.hpp"

#include "emulator/job_generator.hpp"

#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>

using namespace testing;
using std::chrono::seconds;

namespace {

constexpr long kJobs = 4000;

jobsync::emulator::FaultOptions latency(long ms)
{
    jobsync::emulator::FaultOptions faults;
    faults.latency_ms = ms; // keeps the walks long enough to stop one inside a slice
    return faults;
}

std::string prepare(TempDatabase& db, const EmulatorFixture& emulator)
{
    db.truncate_all();
    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    spec.sync_extra = "page_size = 20\nlease = \"2s\"\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);
    REQUIRE(run_jobsync({"--config", config_path, "migrate"}).exit_code == 0);
    return config_path;
}

// A worker in a session of its own (setsid), as a service manager starts it.
std::unique_ptr<ChildProcess> start_worker(const std::string& config_path,
                                           const std::map<std::string, std::string>& env = {})
{
    return std::make_unique<ChildProcess>(
        "/usr/bin/setsid",
        std::vector<std::string>{JOBSYNC_BINARY, "--config", config_path, "sync"}, env);
}

bool holds(TempDatabase& db, const std::string& sql)
{
    return db.scalar(sql) != "0";
}

} // namespace

TEST_CASE("rounds fencing: a worker stopped inside a slice and resumed after the next window "
          "was planned has its commits refused; no job is lost")
{
    TempDatabase& db = shared_database();
    // Requests slow enough that a worker waits on one most of the time: it
    // is then stopped between two page transactions (see below).
    EmulatorFixture emulator(generated_jobs(kJobs, 81, {"Transcode"}), latency(200));
    const std::string config_path = prepare(db, emulator);

    // Both workers in the round before the plan is made (the planner waits
    // on the gate), so slices are planned for both.
    auto gate = db.connect();
    pqxx::work hold_off(*gate);
    hold_off.exec("LOCK TABLE sync_checkpoints IN SHARE MODE");
    auto a = start_worker(config_path);
    auto b = start_worker(config_path);
    wait_until([&] { return db.scalar("SELECT count(*) FROM sync_workers") == "2"; }, seconds(60),
               "both workers in the round");
    hold_off.commit();

    wait_until([&] { return holds(db, "SELECT count(*) FROM sync_slices"); }, seconds(60),
               "the plan");
    const std::string first_plan = db.scalar("SELECT plan_id FROM sync_plans");
    const std::string planner_pid =
        db.scalar("SELECT w.pid FROM sync_claims c JOIN sync_workers w "
                  "ON w.worker_id = c.claimed_by WHERE c.kind = 'plan'");
    ChildProcess& planner = std::to_string(a->pid()) == planner_pid ? *a : *b;
    ChildProcess& other = &planner == a.get() ? *b : *a;
    // Stopped once a slice it holds has committed a page (progress, not time).
    const std::string other_inside_a_slice =
        "SELECT count(*) FROM sync_claims c JOIN sync_workers w ON w.worker_id = c.claimed_by "
        "JOIN sync_slices s ON s.plan_id = c.plan_id AND s.slice = c.slice "
        "WHERE c.kind = 'slice' AND c.state = 'walking' AND s.pages >= 1 "
        "AND s.done_at IS NULL AND w.pid = " +
        std::to_string(other.pid());
    // Stopped between two page transactions: one stopped inside a
    // transaction keeps its claim row locked (no one can take it over until
    // it resumes), so that case is resumed and stopped again later.
    const std::string pages = "SELECT coalesce(sum(pages), 0) FROM sync_slices";
    bool stopped_between = false;
    for (int attempt = 0; attempt < 20 && !stopped_between; ++attempt) {
        wait_until([&] { return holds(db, other_inside_a_slice); }, seconds(120),
                   "the non-planner inside a slice");
        other.send_signal(SIGSTOP);
        const std::string stopped_at = db.scalar("SELECT now()");
        const long long pages_at_stop = std::stoll(db.scalar(pages));
        // Once the planner has committed more pages, a transaction begun
        // before the stop and still open is the stopped worker's.
        wait_until([&] { return std::stoll(db.scalar(pages)) >= pages_at_stop + 5; }, seconds(120),
                   "the planner's progress");
        stopped_between =
            db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND xact_start < '" +
                      stopped_at + "'::timestamptz") == "0";
        if (!stopped_between) {
            other.send_signal(SIGCONT);
        }
    }
    REQUIRE(stopped_between);
    const ProcessResult planned = planner.wait();
    INFO(planned.output);
    REQUIRE(planned.exit_code == 0);

    // Whoever runs next takes the stopped worker's slices over once their
    // lease has run out, and closes the first plan.
    for (int run = 0; run < 3 && holds(db, "SELECT count(*) FROM sync_plans"); ++run) {
        wait_until(
            [&] {
                return !holds(db, "SELECT count(*) FROM sync_claims WHERE state = 'walking' "
                                  "AND lease_until > now()");
            },
            seconds(60), "the stopped worker's leases run out");
        const ProcessResult next = run_jobsync({"--config", config_path, "sync"});
        INFO(next.output);
        REQUIRE(next.exit_code == 0);
    }
    REQUIRE(db.count("sync_plans") == 0);
    require_same_as_dataset(db, emulator);
    const long long cursor =
        std::stoll(db.scalar("SELECT extract(epoch FROM cursor)::bigint FROM sync_checkpoints"));

    // New jobs inside the next window (which opens lookback = 15 min before
    // the cursor), spread over ten minutes, so it is split again.
    for (long i = 0; i < kJobs; ++i) {
        emulator.dataset.add(jobsync::emulator::generate_job(
            emulator.generator, 900000 + static_cast<std::uint64_t>(i), "Transcode",
            cursor - 600 + (i * 590) / kJobs));
    }
    auto third = start_worker(config_path);
    wait_until(
        [&] {
            return holds(db, "SELECT count(*) FROM sync_slices WHERE pages >= 1 AND plan_id <> " +
                                 first_plan);
        },
        seconds(120), "the next window planned and walked");
    other.send_signal(SIGCONT);
    const ProcessResult resumed = other.wait();
    const ProcessResult walked = third->wait();
    INFO(resumed.output);
    INFO(walked.output);
    CHECK(walked.exit_code == 0);
    CHECK(resumed.output.find("no longer holds the time slice") != std::string::npos);
    // Whatever the resumed worker left is finished by the next run.
    REQUIRE(run_jobsync({"--config", config_path, "sync"}).exit_code == 0);
    CHECK(db.count("sync_plans") == 0);
    CHECK(db.count("jobs") == 2 * kJobs);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("rounds fencing: a walker thread blocked while its process lives loses its claim "
          "when its lease runs out")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(1000, 82, {"Transcode"}), latency(10));
    const std::string config_path = prepare(db, emulator);

    auto blocked = start_worker(config_path, {{"JOBSYNC_TEST_STALL_AFTER_PAGE_SECONDS", "30"}});
    wait_until([&] { return holds(db, "SELECT count(*) FROM sync_slices WHERE pages >= 1"); },
               seconds(60), "a page committed");
    // Its lease runs out while the process is alive: its heartbeat renews
    // the worker's presence, not the walk's claim.
    const std::string lease_run_out =
        "SELECT count(*) FROM sync_claims c JOIN sync_workers w ON w.worker_id = c.claimed_by "
        "WHERE c.kind = 'slice' AND c.state = 'walking' AND c.lease_until < now() "
        "AND w.lease_until > now() AND w.pid = " +
        std::to_string(blocked->pid());
    // (or, already, its unit taken over by the blocked process's other thread)
    wait_until(
        [&] {
            return holds(db, lease_run_out) ||
                   holds(db, "SELECT coalesce(sum(takeovers), 0) FROM sync_claims");
        },
        seconds(60), "the blocked walk's lease run out, its worker alive");

    // Taken over by the next thread to look: another worker, or the blocked
    // process's other thread (a claim is a thread's, not a process's).
    const ProcessResult next = run_jobsync({"--config", config_path, "sync"});
    INFO(next.output);
    REQUIRE(next.exit_code == 0);
    wait_until([&] { return db.count("sync_plans") == 0; }, seconds(120), "the plan closed");
    CHECK(blocked->running()); // all of it while the blocked process lived
    CHECK(std::stoi(db.scalar("SELECT sum(takeovers) FROM sync_claims WHERE kind = 'slice'")) >= 1);
    require_same_as_dataset(db, emulator);

    const ProcessResult woke = blocked->wait();
    INFO(woke.output);
    CHECK(woke.exit_code == 0);
    CHECK((woke.output + next.output).find("taking over a unit") != std::string::npos);
    CHECK(woke.output.find("no longer holds the time slice") != std::string::npos);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("rounds: a run that resumes a killed run's plan also walks the window since its end")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(1000, 84, {"Transcode"}), latency(10));
    const std::string config_path = prepare(db, emulator);

    auto killed = start_worker(config_path, {{"JOBSYNC_TEST_STALL_AFTER_PAGE_SECONDS", "60"}});
    wait_until([&] { return holds(db, "SELECT count(*) FROM sync_slices WHERE pages >= 1"); },
               seconds(60), "a page committed");
    killed->send_signal(SIGKILL);
    killed->wait();
    // Jobs created after the plan's window: only a new plan reads them.
    const jobsync::UnixSeconds plan_end =
        std::stoll(db.scalar("SELECT extract(epoch FROM window_end)::bigint FROM sync_plans"));
    for (int i = 0; i < 30; ++i) {
        emulator.dataset.add(jobsync::emulator::generate_job(emulator.generator,
                                                             static_cast<std::uint64_t>(700000 + i),
                                                             "Transcode", plan_end + 1 + i / 10));
    }
    // Past the settle delay (30 s, the window ends that long before now).
    wait_until([&] { return jobsync::now_unix_seconds() - 30 > plan_end + 3; }, seconds(10),
               "the new jobs older than the settle delay");

    const ProcessResult next = run_jobsync({"-v", "--config", config_path, "sync"});
    INFO(next.output);
    REQUIRE(next.exit_code == 0);
    CHECK(next.output.find("resuming the plan of an interrupted walk") != std::string::npos);
    CHECK(db.count("sync_plans") == 0);
    CHECK(db.count("jobs") == 1030);
    require_same_as_dataset(db, emulator);
}

TEST_CASE("rounds fencing: done units of an earlier plan in the same round do not keep the "
          "newer plan from being walked")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator(generated_jobs(600, 83, {"Transcode"}));
    const std::string config_path = prepare(db, emulator);
    const std::string bucket = emulator.generator.bucket;

    // Built by hand: an open round with a live worker (its presence lock
    // held here), the partition's plan unit todo, the done slice units of
    // an earlier plan, and the newer plan of two slices, nothing walked.
    auto other = db.connect();
    pqxx::work txn(*other);
    const std::string round =
        txn.exec1("INSERT INTO sync_rounds (partitions) VALUES (1) RETURNING round_id")[0]
            .as<std::string>();
    txn.exec("INSERT INTO sync_workers (worker_id, round_id, host, pid, lease_until) VALUES "
             "('other:1:beef', " +
             round + ", 'other', 1, now() + interval '10 minutes')");
    txn.exec_params("INSERT INTO sync_checkpoints (bucket, tag, queue_id) "
                    "VALUES ($1, 'Transcode', '')",
                    bucket);
    txn.exec_params("INSERT INTO sync_claims (round_id, bucket, tag, queue_id) "
                    "VALUES ($1, $2, 'Transcode', '')",
                    round, bucket);
    txn.exec_params(
        "INSERT INTO sync_claims (round_id, bucket, tag, queue_id, kind, plan_id, "
        "slice, state, claimed_by, finished_at) SELECT $1, $2, 'Transcode', '', "
        "'slice', 999999, s, 'done', 'other:1:beef', now() FROM generate_series(0, 1) s",
        round, bucket);
    const std::string plan =
        txn.exec_params1("INSERT INTO sync_plans (bucket, tag, queue_id, window_end) "
                         "VALUES ($1, 'Transcode', '', now() - interval '30 seconds') "
                         "RETURNING plan_id",
                         bucket)[0]
            .as<std::string>();
    txn.exec("INSERT INTO sync_slices (plan_id, slice, window_start, window_end) SELECT " + plan +
             ", 0, NULL, window_end - interval '1 day' FROM sync_plans");
    txn.exec("INSERT INTO sync_slices (plan_id, slice, window_start, window_end) SELECT " + plan +
             ", 1, window_end - interval '1 day 1 second', window_end FROM sync_plans");
    txn.exec("SELECT pg_advisory_lock(hashtextextended('ci-jobsync:" + db.schema() +
             ":worker:other:1:beef', 0))");
    txn.commit();

    auto worker = start_worker(config_path);
    wait_until([&] { return !worker->running(); }, seconds(120), "the sync to end");
    const ProcessResult result = worker->wait();
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE plan_id = " + plan +
                    " AND state = 'done'") == "2");
    CHECK(db.count("sync_plans") == 0);
    CHECK_FALSE(db.scalar("SELECT cursor FROM sync_checkpoints").empty());
    require_same_as_dataset(db, emulator);
}
