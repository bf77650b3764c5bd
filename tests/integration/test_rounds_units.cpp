// The unit claim store driven directly with two or three connections and
// explicit row locks: what SKIP LOCKED skips, a takeover after a lease ran
// out, the old holder's end and page commits refused after it, and the state
// that livelocked 0008's slice claims (done claims of an earlier plan of the
// same partition in the same round).
#include "support/sync_fixture.hpp"
#include "support/temp_database.hpp"

#include "jobsync/db/plan_store.hpp"
#include "jobsync/db/round_store.hpp"
#include "jobsync/db/unit_store.hpp"

#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include <memory>
#include <string>

using namespace testing;
namespace rs = jobsync::round_store;
namespace us = jobsync::unit_store;

namespace {

const jobsync::ClaimKey kPartition{"examplebucket-1250000000", "Transcode", ""};

// Two workers of one round, each holding its presence lock on a connection
// of its own (as RoundMembership does: a session's own advisory lock would
// not tell it apart from a free one) and claiming on another; the database
// holds one partition and its checkpoint row.
struct TwoWorkers {
    explicit TwoWorkers(TempDatabase& db)
        : first{db.schema(), "host:1:a", 60, {kPartition}}, second{db.schema(),
                                                                   "host:2:b",
                                                                   60,
                                                                   {kPartition}},
          first_conn(db.connect()), second_conn(db.connect()), first_presence(db.connect()),
          second_presence(db.connect())
    {
        db.truncate_all();
        pqxx::nontransaction(*first_conn)
            .exec_params("INSERT INTO sync_checkpoints (bucket, tag, queue_id) VALUES ($1, $2, $3)",
                         kPartition.bucket, kPartition.tag, kPartition.queue_id);
        rs::hold_presence(*first_presence, first);
        rs::hold_presence(*second_presence, second);
        round_id = rs::join(*first_conn, first, "host", 1);
        REQUIRE(rs::join(*second_conn, second, "host", 2) == round_id);
    }
    jobsync::UnitHolder holder(const jobsync::RoundWorker& worker) const
    {
        return {round_id, worker.worker_id, worker.lease_seconds};
    }

    jobsync::RoundWorker first, second;
    std::unique_ptr<pqxx::connection> first_conn, second_conn, first_presence, second_presence;
    long long round_id = 0;
};

// A plan of `slices` slices for the partition, its slice units todo.
long long make_plan(TempDatabase& db, const TwoWorkers& workers, int slices)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    jobsync::Partition partition;
    jobsync::SourceConfig source;
    source.bucket = kPartition.bucket;
    partition.source = &source;
    partition.tag = kPartition.tag;
    std::vector<jobsync::SliceWindow> windows;
    std::vector<int> numbers;
    for (int k = 0; k < slices; ++k) {
        windows.push_back({1000 + 100 * k - (k > 0 ? 1 : 0), 1100 + 100 * k});
        numbers.push_back(k);
    }
    const long long plan_id =
        jobsync::plan_store::create_plan(txn, partition, {1000, 1000 + 100 * slices}, windows);
    us::add_slice_units(txn, db.schema(), workers.holder(workers.first), kPartition, plan_id,
                        numbers, std::nullopt);
    txn.commit();
    return plan_id;
}

// The unit's lease runs out (as the database's clock would make it).
void expire(TempDatabase& db, const jobsync::UnitKey& unit)
{
    auto conn = db.connect();
    pqxx::nontransaction(*conn).exec_params(
        "UPDATE sync_claims SET lease_until = now() - interval '1 second' "
        "WHERE coalesce(plan_id, 0) = $1 AND slice = $2",
        unit.plan_id, unit.slice);
}

// A page transaction of `worker` on the slice: fenced, then the slice's row.
bool commit_page(pqxx::connection& conn, const jobsync::UnitHolder& holder,
                 const jobsync::UnitKey& unit)
{
    pqxx::work txn(conn);
    if (!us::hold(txn, holder, unit) ||
        !jobsync::plan_store::record_page(
            txn, {holder.round_id, holder.worker_id, unit.claim_no, unit.plan_id, unit.slice},
            "token", 1050, 20)) {
        return false; // rolled back
    }
    txn.commit();
    return true;
}

} // namespace

TEST_CASE("rounds units: a claim skips a unit locked by a claim in flight, though it is todo")
{
    TempDatabase& db = shared_database();
    TwoWorkers workers(db);
    auto in_flight = db.connect();
    pqxx::work claiming(*in_flight);
    claiming.exec("SELECT 1 FROM sync_claims WHERE kind = 'plan' FOR UPDATE");
    CHECK_FALSE(us::claim_next(*workers.second_conn, workers.round_id, workers.second));
    CHECK(db.scalar("SELECT state FROM sync_claims") == "todo");
    // The plan unit counts as nobody's yet: a thread that found nothing ends
    // unless a plan unit is running.
    CHECK(us::plans_running(*workers.second_conn, workers.round_id, workers.second) == 0);
    claiming.abort();
    const auto claimed = us::claim_next(*workers.second_conn, workers.round_id, workers.second);
    REQUIRE(claimed);
    CHECK(claimed->key.is_plan());
    CHECK_FALSE(claimed->taken_over);
    CHECK(us::plans_running(*workers.first_conn, workers.round_id, workers.first) == 1);
}

TEST_CASE("rounds units: a unit whose lease ran out is taken over; the old holder's end and "
          "page commits are refused")
{
    TempDatabase& db = shared_database();
    TwoWorkers workers(db);
    const long long plan_id = make_plan(db, workers, 1);
    const auto first = us::claim_next(*workers.first_conn, workers.round_id, workers.first);
    REQUIRE(first);
    REQUIRE_FALSE(first->key.is_plan()); // slices before plan units
    const jobsync::UnitKey unit = first->key;
    CHECK(unit.plan_id == plan_id);
    // Held and alive: nothing for the second worker but the plan unit.
    const auto plan_unit = us::claim_next(*workers.second_conn, workers.round_id, workers.second);
    REQUIRE(plan_unit);
    CHECK(plan_unit->key.is_plan());
    CHECK_FALSE(us::claim_next(*workers.second_conn, workers.round_id, workers.second));
    CHECK(commit_page(*workers.first_conn, workers.holder(workers.first), unit));

    expire(db, unit);
    const auto taken = us::claim_next(*workers.second_conn, workers.round_id, workers.second);
    REQUIRE(taken);
    CHECK(taken->taken_over);
    CHECK(taken->key.plan_id == plan_id);
    CHECK(taken->key.slice == 0);

    // The first worker resumes: its page is refused, its end changes nothing.
    CHECK_FALSE(commit_page(*workers.first_conn, workers.holder(workers.first), unit));
    us::finish(*workers.first_conn, db.schema(), workers.holder(workers.first), unit, "done");
    CHECK(db.scalar("SELECT state || ' ' || claimed_by FROM sync_claims WHERE kind = 'slice'") ==
          "walking " + workers.second.worker_id);
    CHECK(db.scalar("SELECT pages FROM sync_slices") == "1");
    CHECK(commit_page(*workers.second_conn, workers.holder(workers.second), taken->key));
    CHECK(db.scalar("SELECT pages FROM sync_slices") == "2");
}

TEST_CASE("rounds units: a page transaction in flight keeps its unit from being taken over")
{
    TempDatabase& db = shared_database();
    TwoWorkers workers(db);
    make_plan(db, workers, 1);
    const auto first = us::claim_next(*workers.first_conn, workers.round_id, workers.first);
    REQUIRE(first);
    expire(db, first->key);
    {
        pqxx::work page(*workers.first_conn);
        REQUIRE(us::hold(page, workers.holder(workers.first), first->key));
        // The row is locked by the page: skipped, though its lease had run out.
        auto other = us::claim_next(*workers.second_conn, workers.round_id, workers.second);
        REQUIRE(other);
        CHECK(other->key.is_plan());
        CHECK_FALSE(us::claim_next(*workers.second_conn, workers.round_id, workers.second));
        page.commit(); // and the lease is renewed with it
    }
    CHECK_FALSE(us::claim_next(*workers.second_conn, workers.round_id, workers.second));
}

TEST_CASE("rounds units: the last slice's page closes the plan and moves the cursor, once")
{
    TempDatabase& db = shared_database();
    TwoWorkers workers(db);
    const long long plan_id = make_plan(db, workers, 2);
    auto conn = db.connect();
    {
        pqxx::work txn(*conn);
        CHECK_FALSE(jobsync::plan_store::complete_slice(txn, plan_id, 1));
        txn.commit();
    }
    CHECK(db.scalar("SELECT cursor FROM sync_checkpoints").empty());
    {
        pqxx::work txn(*conn);
        CHECK(jobsync::plan_store::complete_slice(txn, plan_id, 0));
        txn.commit();
    }
    CHECK(db.count("sync_plans") == 0);
    CHECK(db.count("sync_slices") == 0);
    CHECK(db.scalar("SELECT extract(epoch FROM cursor)::bigint FROM sync_checkpoints") == "1200");
    CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "ok");
}

TEST_CASE("rounds units: done units of an earlier plan of the partition in the same round do not "
          "hide a newer plan's slices")
{
    TempDatabase& db = shared_database();
    TwoWorkers workers(db);
    // The livelock's state: an earlier plan's slice units done in this round
    // (a redone walk, or a planner killed between its cursor and its end) ...
    const long long earlier = make_plan(db, workers, 4);
    pqxx::nontransaction(*workers.first_conn)
        .exec_params("UPDATE sync_claims SET state = 'done' WHERE plan_id = $1", earlier);
    pqxx::nontransaction(*workers.first_conn)
        .exec_params("DELETE FROM sync_plans WHERE plan_id = $1", earlier);
    // ... and a newer plan of the same partition, with as many slices.
    const long long newer = make_plan(db, workers, 4);
    REQUIRE(newer != earlier);
    CHECK(db.scalar("SELECT count(*) FROM sync_claims WHERE kind = 'slice' AND state = 'todo' "
                    "AND plan_id = " +
                    std::to_string(newer)) == "4");
    for (int k = 0; k < 4; ++k) {
        const auto claimed = us::claim_next(*workers.first_conn, workers.round_id, workers.first);
        REQUIRE(claimed);
        CHECK(claimed->key.plan_id == newer);
        CHECK(claimed->key.slice == k);
    }
}
