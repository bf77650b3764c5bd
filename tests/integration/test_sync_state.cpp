// What the metrics file reads from the database (sync_state_store): the
// round's partitions with cursor and last committed page, quarantine per
// partition, and failed runs in a row; a failing walk commits no page.
#include "jobsync/commands/metrics_refresher.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

using namespace testing;

namespace {

const jobsync::PartitionState& partition(const jobsync::SyncState& state, const std::string& tag)
{
    for (const jobsync::PartitionState& p : state.partitions) {
        if (p.tag == tag) {
            return p;
        }
    }
    FAIL("no partition " << tag);
    throw std::logic_error("unreachable");
}

jobsync::SyncState read_state(const TempDatabase& db)
{
    const auto state = jobsync::read_sync_state(db.config());
    REQUIRE(state.has_value());
    return *state;
}

} // namespace

TEST_CASE("sync state: last page per partition, quarantine, failed runs in a row")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(200, 31, {"Transcode", "Snapshot"}));
    const jobsync::UnixSeconds before = jobsync::now_unix_seconds();
    REQUIRE(sync_once(load_test_config(db, spec_for(emulator))).failed == 0);

    jobsync::SyncState state = read_state(db);
    REQUIRE(state.partitions.size() == 2);
    for (const jobsync::PartitionState& p : state.partitions) {
        INFO(p.tag);
        CHECK(p.bucket == emulator.generator.bucket);
        CHECK(p.cursor.has_value());
        REQUIRE(p.last_page_at.has_value());
        CHECK(*p.last_page_at >= before - 1);
        CHECK_FALSE(p.walking);
        CHECK(p.quarantined_jobs == 0);
    }
    CHECK(state.runs_failed_in_a_row == 0);

    // Failing walks (a wrong key) commit no page; the failures count up.
    auto conn = db.connect();
    pqxx::nontransaction(*conn).exec(
        "UPDATE sync_checkpoints SET last_page_at = now() - interval '2 hours'");
    const jobsync::UnixSeconds aged = *partition(read_state(db), "Transcode").last_page_at;
    ConfigSpec wrong = spec_for(emulator);
    wrong.secret_key = "a-wrong-secret-key-for-this-test-1";
    const jobsync::Config failing = load_test_config(db, wrong);
    REQUIRE(sync_once(failing).failed == 2);
    REQUIRE(sync_once(failing).failed == 2);
    state = read_state(db);
    CHECK(state.runs_failed_in_a_row == 2);
    CHECK(*partition(state, "Transcode").last_page_at == aged);

    // A split walk in progress: the slice's page counts for its partition.
    pqxx::nontransaction(*conn).exec_params(
        "WITH p AS (INSERT INTO sync_plans (bucket, tag, queue_id, window_end) "
        "VALUES ($1, 'Snapshot', '', now()) RETURNING plan_id) "
        "INSERT INTO sync_slices (plan_id, slice, window_end, last_page_at) "
        "SELECT plan_id, 0, now(), now() - interval '1 minute' FROM p",
        emulator.generator.bucket);
    // Quarantined jobs, one of a partition no longer synced.
    pqxx::nontransaction(*conn).exec_params(
        "INSERT INTO quarantine (bucket, job_id_sha256, job_id, tag, queue_id, raw, error) "
        "VALUES ($1, '\\x01', 'q1', 'Transcode', '', '\\x00', 'e'), "
        "($1, '\\x02', 'q2', 'Gone', '', '\\x00', 'e')",
        emulator.generator.bucket);
    state = read_state(db);
    CHECK(*partition(state, "Snapshot").last_page_at >= jobsync::now_unix_seconds() - 120);
    CHECK(partition(state, "Transcode").quarantined_jobs == 1);
    CHECK(partition(state, "Gone").quarantined_jobs == 1);
    CHECK_FALSE(partition(state, "Gone").cursor.has_value());
    pqxx::nontransaction(*conn).exec("DELETE FROM sync_plans");

    // A run that succeeds ends the streak and commits its pages.
    REQUIRE(sync_once(load_test_config(db, spec_for(emulator))).failed == 0);
    state = read_state(db);
    CHECK(state.runs_failed_in_a_row == 0);
    CHECK(*partition(state, "Transcode").last_page_at > aged);
}
