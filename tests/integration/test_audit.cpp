// `audit` against the emulator's COS host: every verdict from its case, 403
// and 404 apart, a transient 503 retried to a match, cost proportional to new
// outputs (no HEAD when nothing is new), max_requests_per_second held, exit
// codes, and no secret in any output or row.
#include "emulator/emulator_server.hpp"
#include "emulator/job_generator.hpp"
#include "jobsync/commands/audit_run.hpp"
#include "jobsync/config/config.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <csignal>

using namespace testing;
using jobsync::emulator::JobSpec;
using jobsync::emulator::ObjectCaseKind;

namespace {

const std::string kSecurityToken = "audit-test-security-token-3b9e1f";
const std::string kOtherBucket = "otherbucket-1250000000";

// An emulator whose credentials are the tests' (and, optionally, a token).
struct AuditEmulator {
    explicit AuditEmulator(std::size_t count, std::uint64_t seed, bool with_token = false)
    {
        generator = generated_jobs(count, seed, {"Transcode", "Snapshot"});
        for (auto& job : jobsync::emulator::generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        jobsync::emulator::ServerOptions options;
        options.secret_id = kTestSecretId;
        options.secret_key = kTestSecretKey;
        options.security_token = with_token ? kSecurityToken : "";
        server = std::make_unique<jobsync::emulator::EmulatorServer>(dataset, options);
        server->start();
    }

    // Success jobs with outputs, by creation time.
    std::vector<JobSpec> success_jobs() const
    {
        std::vector<JobSpec> jobs;
        for (JobSpec& job : dataset.specs()) {
            if (job.state == "Success" && !job.output_files.empty()) {
                jobs.push_back(std::move(job));
            }
        }
        std::sort(jobs.begin(), jobs.end(), [](const JobSpec& a, const JobSpec& b) {
            return a.creation_time < b.creation_time;
        });
        return jobs;
    }

    void set_case(const std::string& bucket, const std::string& key, ObjectCaseKind kind,
                  long times = 0)
    {
        server->object_cases().set(bucket, key, {kind, times});
    }

    jobsync::emulator::GeneratorOptions generator;
    jobsync::emulator::Dataset dataset;
    std::unique_ptr<jobsync::emulator::EmulatorServer> server;
};

std::string audit_config_text(const TempDatabase& db, const AuditEmulator& emulator,
                              const std::string& audit_extra = "",
                              const std::string& sync_extra = "")
{
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = emulator.generator.tags;
    spec.sync_extra = sync_extra;
    return config_text(db, spec) + "[audit]\nendpoint = \"" + emulator.server->endpoint() + "\"\n" +
           audit_extra;
}

jobsync::Config load_text(const std::string& text)
{
    return jobsync::load_config(write_temp_file(text));
}

jobsync::AuditSummary audit(const jobsync::Config& config, jobsync::AuditOptions options = {})
{
    return jobsync::run_audit(config, options, nullptr, nullptr);
}

std::string verdict_of(const TempDatabase& db, const std::string& job_id, const std::string& bucket,
                       const std::string& object)
{
    auto conn = db.connect();
    pqxx::read_transaction txn(*conn);
    const pqxx::result rows = txn.exec_params(
        "SELECT DISTINCT verdict FROM v_output_audit WHERE job_id = $1 AND bucket = $2 "
        "AND object_name = $3",
        job_id, bucket, object);
    return rows.size() == 1 ? rows[0][0].c_str() : "(" + std::to_string(rows.size()) + " rows)";
}

// Distinct (bucket, object) the newest Success writers name: what one audit HEADs.
long distinct_objects(const TempDatabase& db)
{
    return std::stol(db.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT bucket, object_name FROM v_output_writers) o"));
}

// A job's first output object whose only writer it is among these jobs.
bool sole_writer(const std::vector<JobSpec>& jobs, const JobSpec& job)
{
    const auto& file = job.output_files.front();
    long writers = 0;
    for (const JobSpec& other : jobs) {
        for (const auto* files : {&other.output_files, &other.sprite_files}) {
            for (const auto& f : *files) {
                writers += f.bucket == file.bucket && f.object_name == file.object_name ? 1 : 0;
            }
        }
    }
    return writers == 1;
}

} // namespace

TEST_CASE("audit: every verdict from its case; 403 and 404 apart; a transient 503 ends in match")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(80, 2401);
    std::vector<JobSpec> jobs;
    for (const JobSpec& job : emulator.success_jobs()) {
        if (sole_writer(emulator.success_jobs(), job)) {
            jobs.push_back(job);
        }
    }
    REQUIRE(jobs.size() >= 12);
    // The jobs CI reports: an older job that wrote the object a later one
    // overwrote, an output without an MD5, one in a bucket the keys cannot read.
    JobSpec& older = jobs[0];
    const JobSpec& newer = jobs[1];
    older.output_files.front().object_name = newer.output_files.front().object_name;
    jobs[2].output_files.front().md5.clear();
    jobs[3].output_files.front().bucket = kOtherBucket;
    for (const std::size_t i : {0, 2, 3}) {
        emulator.dataset.add(jobs[i]);
    }
    const jobsync::Config config = load_text(audit_config_text(db, emulator));
    REQUIRE(sync_once(config).failed == 0);

    const std::string bucket = emulator.generator.bucket;
    const auto key = [&](std::size_t i) { return jobs[i].output_files.front().object_name; };
    emulator.server->object_cases().forbid_bucket(kOtherBucket);
    emulator.set_case(bucket, key(4), ObjectCaseKind::missing);
    emulator.set_case(bucket, key(5), ObjectCaseKind::mismatch);
    emulator.set_case(bucket, key(6), ObjectCaseKind::multipart);
    emulator.set_case(bucket, key(7), ObjectCaseKind::multipart_md5);
    emulator.set_case(bucket, key(8), ObjectCaseKind::forbidden);
    emulator.set_case(bucket, key(9), ObjectCaseKind::unavailable, 2);
    emulator.set_case(bucket, key(10), ObjectCaseKind::unavailable, 1000);

    emulator.server->reset_stats();
    const jobsync::AuditSummary summary = audit(config);
    const long heads = emulator.server->stats().head_requests;

    const auto verdict = [&](std::size_t i, const std::string& in_bucket = "") {
        return verdict_of(db, jobs[i].job_id, in_bucket.empty() ? bucket : in_bucket, key(i));
    };
    CHECK(verdict(0) == "superseded");
    CHECK(verdict(1) == "match");
    CHECK(verdict(2) == "no_md5_reported");
    CHECK(verdict(3, kOtherBucket) == "forbidden");
    CHECK(verdict(4) == "missing");
    CHECK(verdict(5) == "mismatch");
    CHECK(verdict(6) == "unverifiable");
    CHECK(verdict(7) == "match");
    CHECK(verdict(8) == "forbidden");
    CHECK(verdict(9) == "match");
    CHECK(verdict(10) == "error");
    CHECK(verdict(11) == "match");
    // 403 and 404 are told apart by status; the 503s are retried, never missing.
    const auto status_of = [&](std::size_t i) {
        return db.scalar("SELECT http_status FROM output_checks WHERE object_name = '" + key(i) +
                         "'");
    };
    CHECK(status_of(4) == "404");
    CHECK(status_of(8) == "403");
    CHECK(status_of(9) == "200");
    CHECK(status_of(10) == "503");
    CHECK_FALSE(
        db.scalar("SELECT error FROM output_checks WHERE object_name = '" + key(10) + "'").empty());

    // Each object once (deduplicated across jobs), plus the retries.
    CHECK(summary.due == distinct_objects(db));
    CHECK(summary.checked == summary.due);
    CHECK(heads == summary.requests);
    CHECK(heads == summary.due + summary.retries);
    CHECK(summary.retries >= 2 + 4); // key(9) twice; key(10) until the attempts ran out
    CHECK(summary.problem_count == 2);
    CHECK(jobsync::audit_exit_status(summary) == 1);
    REQUIRE(summary.problems.size() == 2);
    CHECK((summary.problems[0].find(key(4)) != std::string::npos ||
           summary.problems[1].find(key(4)) != std::string::npos));

    // A job written after the audit: its outputs are not checked yet.
    // (Created inside the next sync's lookback.)
    const jobsync::UnixSeconds recent = jobsync::now_unix_seconds() - 120;
    JobSpec later =
        jobsync::emulator::generate_job(emulator.generator, 900001, "Transcode", recent);
    emulator.dataset.add(later);
    emulator.dataset.finish_jobs({later.job_id}, recent + 10);
    REQUIRE(emulator.dataset.find(later.job_id)->state == "Success");
    REQUIRE(sync_once(config).failed == 0);
    const std::string later_object =
        emulator.dataset.find(later.job_id)->output_files.front().object_name;
    CHECK(verdict_of(db, later.job_id, bucket, later_object) == "not_checked");
    const std::string verdicts =
        db.scalar("SELECT string_agg(DISTINCT verdict, ',' ORDER BY verdict) FROM v_output_audit");
    CHECK(verdicts == "error,forbidden,match,mismatch,missing,no_md5_reported,not_checked,"
                      "superseded,unverifiable");
}

TEST_CASE("audit: cost follows new outputs; a second audit with nothing new makes no HEAD")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(60, 2402);
    const jobsync::Config config = load_text(audit_config_text(db, emulator));
    REQUIRE(sync_once(config).failed == 0);

    emulator.server->reset_stats();
    const jobsync::AuditSummary first = audit(config);
    CHECK(first.due == distinct_objects(db));
    CHECK(emulator.server->stats().head_requests == first.due);
    CHECK(jobsync::audit_exit_status(first) == 0);

    emulator.server->reset_stats();
    const jobsync::AuditSummary second = audit(config);
    CHECK(second.due == 0);
    CHECK(second.requests == 0);
    CHECK(emulator.server->stats().head_requests == 0);
    CHECK(emulator.server->stats().requests == 0);

    // New jobs: only their objects are HEADed.
    // (Created inside the next sync's lookback.)
    const jobsync::UnixSeconds after = jobsync::now_unix_seconds() - 120;
    std::set<std::string> new_objects;
    int added = 0;
    for (std::uint64_t index = 800000; added < 3; ++index) {
        JobSpec job =
            jobsync::emulator::generate_job(emulator.generator, index, "Transcode", after + added);
        emulator.dataset.add(job);
        emulator.dataset.finish_jobs({job.job_id}, after + 10);
        const JobSpec stored = *emulator.dataset.find(job.job_id);
        if (stored.state != "Success" || stored.output_files.empty()) {
            emulator.dataset.remove(job.job_id); // a Failed job writes nothing
            continue;
        }
        ++added;
        for (const auto* files : {&stored.output_files, &stored.sprite_files}) {
            for (const auto& file : *files) {
                new_objects.insert(file.object_name);
            }
        }
    }
    new_objects.erase("");
    REQUIRE_FALSE(new_objects.empty());
    REQUIRE(sync_once(config).failed == 0);
    emulator.server->reset_stats();
    const jobsync::AuditSummary third = audit(config);
    CHECK(third.due == static_cast<long>(new_objects.size()));
    CHECK(emulator.server->stats().head_requests == static_cast<long>(new_objects.size()));
    CHECK(db.scalar("SELECT count(*) FROM v_output_audit WHERE verdict = 'not_checked'") == "0");

    // --recheck: every object again.
    emulator.server->reset_stats();
    jobsync::AuditOptions recheck;
    recheck.recheck = true;
    const jobsync::AuditSummary fourth = audit(config, recheck);
    CHECK(fourth.due == distinct_objects(db));
    CHECK(emulator.server->stats().head_requests == fourth.due);
}

TEST_CASE("audit: with filehash, an object the HEAD cannot verify gets CI's MD5")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(30, 2405);
    const jobsync::Config config = load_text(audit_config_text(db, emulator, "filehash = true\n"));
    REQUIRE(sync_once(config).failed == 0);
    const auto all = emulator.success_jobs();
    const auto sole =
        std::find_if(all.begin(), all.end(), [&](const JobSpec& j) { return sole_writer(all, j); });
    REQUIRE(sole != all.end());
    const JobSpec& job = *sole;
    const std::string bucket = emulator.generator.bucket;
    const std::string multipart = job.output_files.front().object_name;
    emulator.set_case(bucket, multipart, ObjectCaseKind::multipart);

    emulator.server->reset_stats();
    const jobsync::AuditSummary summary = audit(config);
    CHECK(emulator.server->stats().filehash_requests == 1);
    CHECK(summary.requests == emulator.server->stats().head_requests + 1);
    CHECK(verdict_of(db, job.job_id, bucket, multipart) == "match");
    CHECK(db.scalar("SELECT filehash_md5 = lower(reported_md5) FROM output_checks WHERE "
                    "object_name = '" +
                    multipart + "'") == "t");
    CHECK(db.scalar("SELECT count(*) FROM v_output_audit WHERE verdict = 'unverifiable'") == "0");
}

TEST_CASE("audit: max_requests_per_second is held")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(40, 2403);
    constexpr double kRate = 8;
    const jobsync::Config config =
        load_text(audit_config_text(db, emulator, "max_requests_per_second = 8\n"));
    REQUIRE(sync_once(config).failed == 0);

    emulator.server->reset_stats();
    const auto started = std::chrono::steady_clock::now();
    const jobsync::AuditSummary summary = audit(config);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const long heads = emulator.server->stats().head_requests;
    REQUIRE(heads >= 30);
    CHECK(heads == summary.requests);
    // The bucket holds kRate tokens, refilled at kRate per second.
    CHECK(static_cast<double>(heads) <= kRate * seconds + kRate + 1);
}

TEST_CASE("audit: exit codes from the binary, and no key, token or signature in output or rows")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(30, 2404, true);
    const std::map<std::string, std::string> env{{"TENCENTCLOUD_SECURITY_TOKEN", kSecurityToken}};
    const std::string path = write_temp_file(audit_config_text(db, emulator));
    const ProcessResult sync = run_jobsync({"--config", path, "sync"}, env);
    REQUIRE(sync.exit_code == 0);

    const auto jobs = emulator.success_jobs();
    REQUIRE_FALSE(jobs.empty());
    const std::string missing = jobs.front().output_files.front().object_name;
    emulator.set_case(emulator.generator.bucket, missing, ObjectCaseKind::missing);
    const ProcessResult problems = run_jobsync({"--config", path, "audit"}, env);
    INFO(problems.output);
    CHECK(problems.exit_code == 1);
    CHECK(problems.output.find("missing " + emulator.generator.bucket + "/" + missing) !=
          std::string::npos);
    CHECK(problems.output.find("audit finished") != std::string::npos);

    emulator.server->object_cases().clear(emulator.generator.bucket, missing);
    const ProcessResult clean = run_jobsync({"--config", path, "audit", "--recheck"}, env);
    INFO(clean.output);
    CHECK(clean.exit_code == 0);
    CHECK(run_jobsync({"--config", path, "audit", "--tags", "Transcode"}, env).exit_code == 2);
    const std::string bad_config =
        write_temp_file(audit_config_text(db, emulator, "concurrency = 0\n"));
    CHECK(run_jobsync({"--config", bad_config, "audit"}, env).exit_code == 2);

    const std::string rows = db.scalar("SELECT string_agg(c::text, '\n') FROM output_checks c");
    REQUIRE_FALSE(rows.empty());
    for (const std::string& text : {problems.output, clean.output, rows}) {
        CHECK(text.find(kTestSecretKey) == std::string::npos);
        CHECK(text.find(kSecurityToken) == std::string::npos);
        CHECK(text.find("q-signature") == std::string::npos);
    }
}

TEST_CASE("audit: SIGTERM keeps what was checked; the next audit checks the rest")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    AuditEmulator emulator(40, 2406);
    const std::string path =
        write_temp_file(audit_config_text(db, emulator, "max_requests_per_second = 5\n"));
    const jobsync::Config config = jobsync::load_config(path);
    REQUIRE(sync_once(config).failed == 0);
    const long objects = distinct_objects(db);
    REQUIRE(objects >= 40);

    emulator.server->reset_stats();
    ChildProcess worker(JOBSYNC_BINARY, {"--config", path, "audit"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (emulator.server->stats().head_requests < 10 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(worker.running());
    worker.send_signal(SIGTERM);
    const ProcessResult stopped = worker.wait();
    INFO(stopped.output);
    CHECK(stopped.exit_code == 128 + SIGTERM);
    CHECK(stopped.output.find("(interrupted)") != std::string::npos);
    // The HEADs answered before the stop are recorded; those in flight are not.
    const long recorded = db.count("output_checks");
    CHECK(recorded > 0);
    CHECK(recorded < objects);

    emulator.server->reset_stats();
    const jobsync::AuditSummary rest = audit(config);
    CHECK(rest.due == objects - recorded);
    CHECK(emulator.server->stats().head_requests == objects - recorded);
    CHECK(db.scalar("SELECT count(*) FROM v_output_audit WHERE verdict = 'not_checked'") == "0");
}
