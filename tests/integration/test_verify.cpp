// `verify` and `backfill` in-process against the emulator: verify names every
// missing, extra or different job and touches nothing; backfill repairs and
// loads windows without moving checkpoints.
#include "jobsync/commands/window_walk.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_comparison.hpp"
#include "support/fault_trigger.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace testing;
using jobsync::emulator::GeneratorOptions;

namespace {

const std::vector<std::string> kTags{"Transcode", "Animation"};

EmulatorFixture make_emulator(std::size_t count, std::uint64_t seed)
{
    GeneratorOptions options;
    options.seed = seed;
    options.count = count;
    options.tags = kTags;
    return EmulatorFixture(options);
}

jobsync::Config config_for(const TempDatabase& db, const EmulatorFixture& emulator)
{
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = kTags;
    spec.sync_extra = "page_size = 50\n";
    return load_test_config(db, spec);
}

struct VerifyResult {
    int exit_code;
    std::string output;
};

VerifyResult verify(const jobsync::Config& config, jobsync::WindowOptions options = {})
{
    std::ostringstream out;
    const int code = jobsync::run_verify(config, options, out, nullptr);
    return {code, out.str()};
}

std::string checkpoints(const TempDatabase& db)
{
    return db.scalar("SELECT string_agg(c::text, ' | ' ORDER BY tag) FROM sync_checkpoints c");
}

// A job id of the stored data with output files, and one without.
std::string job_with_outputs(const TempDatabase& db, int skip)
{
    return db.scalar("SELECT job_id FROM jobs WHERE EXISTS (SELECT 1 FROM output_files f "
                     "WHERE f.job_id = jobs.job_id AND f.md5 IS NOT NULL) ORDER BY job_id "
                     "OFFSET " +
                     std::to_string(skip) + " LIMIT 1");
}

} // namespace

TEST_CASE("verify: agrees after a sync, then names each missing, extra and different job")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator = make_emulator(700, 31);
    const jobsync::Config config = config_for(db, emulator);
    jobsync::SyncOptions sync_options;
    REQUIRE(jobsync::run_sync(config, sync_options, nullptr).failed == 0);

    const VerifyResult clean = verify(config);
    INFO(clean.output);
    CHECK(clean.exit_code == 0);
    CHECK(clean.output == "verify: 700 jobs checked in 2 partitions: 0 missing, 0 extra, "
                          "0 different\n");

    const std::string missing = job_with_outputs(db, 0);
    const std::string state_changed = job_with_outputs(db, 1);
    const std::string md5_changed = job_with_outputs(db, 2);
    const std::string before = checkpoints(db);
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec_params("DELETE FROM jobs WHERE job_id = $1", missing);
        // A zeroed hash makes the next write see the job as changed (for backfill below).
        txn.exec_params("UPDATE jobs SET state = 'Running', progress = 40, "
                        "detail_hash = '\\x00' WHERE job_id = $1",
                        state_changed);
        txn.exec_params("UPDATE output_files SET md5 = 'deadbeef' WHERE job_id = $1", md5_changed);
        txn.exec_params("INSERT INTO jobs (job_id, bucket, tag, state, creation_time, detail, "
                        "detail_hash) SELECT 'j-extra-job', bucket, tag, state, creation_time, "
                        "detail, detail_hash FROM jobs WHERE job_id = $1",
                        md5_changed);
        txn.commit();
    }
    const long long jobs_before = db.count("jobs");
    const VerifyResult dirty = verify(config);
    INFO(dirty.output);
    CHECK(dirty.exit_code == 1);
    CHECK(dirty.output.find("missing " + missing + " (") != std::string::npos);
    CHECK(dirty.output.find("extra j-extra-job (") != std::string::npos);
    CHECK(dirty.output.find("different " + state_changed + " (") != std::string::npos);
    CHECK(dirty.output.find("state Running -> ") != std::string::npos);
    CHECK(dirty.output.find("progress 40 -> ") != std::string::npos);
    CHECK(dirty.output.find("different " + md5_changed + " (") != std::string::npos);
    CHECK(dirty.output.find("deadbeef") != std::string::npos);
    CHECK(dirty.output.find("1 missing, 1 extra, 2 different") != std::string::npos);
    CHECK(checkpoints(db) == before);
    CHECK(db.count("jobs") == jobs_before);

    // --tags narrows the walk; --since past every job checks nothing.
    jobsync::WindowOptions one_tag;
    one_tag.tags = {"Animation"};
    CHECK(verify(config, one_tag).output.find(" in 1 partitions") != std::string::npos);
    jobsync::WindowOptions future;
    future.since = jobsync::now_unix_seconds();
    const VerifyResult none = verify(config, future);
    CHECK(none.output == "verify: 0 jobs checked in 2 partitions: 0 missing, 0 extra, "
                         "0 different\n");

    // backfill repairs what it can (the missing and the changed job), without
    // moving checkpoints; the extra job is not the service's and stays.
    CHECK(jobsync::run_backfill(config, {}, nullptr) == 0);
    CHECK(checkpoints(db) == before);
    const VerifyResult repaired = verify(config);
    INFO(repaired.output);
    CHECK(repaired.output.find("missing ") == std::string::npos);
    CHECK(repaired.output.find("different " + state_changed) == std::string::npos);
    CHECK(repaired.output.find("extra j-extra-job (") != std::string::npos);
}

TEST_CASE("backfill: loads exactly a window, idempotently, without checkpoints")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator = make_emulator(400, 32);
    const jobsync::Config config = config_for(db, emulator);
    const auto specs = emulator.dataset.specs();
    jobsync::UnixSeconds first = specs.front().creation_time;
    jobsync::UnixSeconds last = first;
    for (const auto& spec : specs) {
        first = std::min(first, spec.creation_time);
        last = std::max(last, spec.creation_time);
    }
    jobsync::WindowOptions window;
    window.since = first + (last - first) / 4;
    window.until = first + (last - first) / 2;
    const std::string expected =
        std::to_string(std::count_if(specs.begin(), specs.end(), [&window](const auto& spec) {
            // --from included, --to not: every window includes its first second.
            return spec.creation_time >= *window.since && spec.creation_time < *window.until;
        }));

    CHECK(jobsync::run_backfill(config, window, nullptr) == 0);
    CHECK(std::to_string(db.count("jobs")) == expected);
    CHECK(db.count("sync_checkpoints") == 0);
    const std::string xmin = db.scalar("SELECT sum(xmin::text::bigint) FROM jobs");
    CHECK(jobsync::run_backfill(config, window, nullptr) == 0);
    CHECK(db.scalar("SELECT sum(xmin::text::bigint) FROM jobs") == xmin); // nothing rewritten
    CHECK(verify(config, window).exit_code == 0);

    // The whole history, then the stored data equals the service's.
    CHECK(jobsync::run_backfill(config, {}, nullptr) == 0);
    auto conn = db.connect();
    const auto differences =
        compare_with_dataset(*conn, emulator.dataset, emulator.generator.bucket);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
    CHECK(db.count("sync_checkpoints") == 0);
}

TEST_CASE("verify: an unknown --tags value is a usage error")
{
    TempDatabase& db = shared_database();
    EmulatorFixture emulator = make_emulator(10, 33);
    const jobsync::Config config = config_for(db, emulator);
    jobsync::WindowOptions options;
    options.tags = {"NoSuchTag"};
    CHECK_THROWS_WITH(verify(config, options), Catch::Contains("'NoSuchTag' is not a configured"));
}

TEST_CASE("backfill: a page whose connection is lost or rolled back is redone")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator = make_emulator(300, 33);
    const jobsync::Config config = config_for(db, emulator);
    int code = -1;
    long faults = 0;
    {
        // The first page writes fail: lost connections, then a deadlock.
        const FaultTrigger trigger(db, "BEFORE INSERT ON jobs FOR EACH STATEMENT",
                                   "n := nextval('fault_seq'); IF n <= 3 THEN "
                                   "PERFORM pg_terminate_backend(pg_backend_pid()); "
                                   "PERFORM pg_sleep(5); ELSIF n = 4 THEN RAISE EXCEPTION "
                                   "'injected' USING ERRCODE = 'deadlock_detected'; END IF;");
        code = jobsync::run_backfill(config, {}, nullptr);
        faults = trigger.fired();
    }
    auto conn = db.connect();
    CHECK(code == 0);
    CHECK(faults > 4);
    const auto differences =
        compare_with_dataset(*conn, emulator.dataset, emulator.generator.bucket);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
}
