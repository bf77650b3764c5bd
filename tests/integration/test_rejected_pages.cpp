// Pages whose jobs were all rejected by the parser (a JobId too long to
// store, a CreationTime in a format that drifted) are committed, their jobs
// quarantined, and the walk goes on with their NextToken: only an empty or
// absent token, a repeated one, or a page with no job at all ends a walk.
// sync and verify both walk past them.
#include "jobsync/commands/window_walk.hpp"
#include "support/fault_trigger.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <sstream>

using namespace testing;
using jobsync::emulator::StoredJob;

namespace {

// The Transcode jobs the emulator serves, oldest first (its listing order).
std::vector<StoredJob> listing(const EmulatorFixture& emulator)
{
    jobsync::emulator::JobQuery query;
    query.tag = "Transcode";
    query.ascending = true;
    return emulator.dataset.select(query);
}

// The text between <element> and </element> in xml, replaced.
std::string replace_element(std::string xml, const std::string& element, const std::string& text)
{
    const std::string open = "<" + element + ">";
    const std::size_t from = xml.find(open);
    const std::size_t to = xml.find("</" + element + ">", from);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    return xml.replace(from + open.size(), to - from - open.size(), text);
}

// Serves the job in its place with `change` applied to its JobsDetail: the
// listing (by its real creation time) is unchanged, the parser rejects it.
void spoil(EmulatorFixture& emulator, StoredJob job, const std::function<void(StoredJob&)>& change)
{
    REQUIRE(emulator.dataset.remove(job.job_id));
    job.spec.reset();
    change(job);
    emulator.dataset.add_raw(std::move(job));
}

void with_long_job_id(StoredJob& job)
{
    job.job_id = "j" + std::string(200, 'x'); // 201 bytes: longer than any stored key
    job.xml = replace_element(job.xml, "JobId", job.job_id);
}

void with_drifted_creation_time(StoredJob& job)
{
    job.xml = replace_element(job.xml, "CreationTime", "2024/01/01 08:00:00");
}

std::string ids_of(const std::vector<StoredJob>& jobs)
{
    std::set<std::string> sorted;
    for (const StoredJob& job : jobs) {
        sorted.insert(job.job_id);
    }
    std::string text;
    for (const std::string& id : sorted) {
        text += (text.empty() ? "" : ",") + id;
    }
    return text;
}

std::string stored_ids(const TempDatabase& db)
{
    return db.scalar("SELECT string_agg(job_id, ',' ORDER BY job_id COLLATE \"C\") FROM jobs");
}

std::string verify(const jobsync::Config& config, int expected_exit)
{
    std::ostringstream out;
    CHECK(jobsync::run_verify(config, {}, out, nullptr) == expected_exit);
    return out.str();
}

// concurrency 1: one NextToken chain, no time slices, as in the report of
// the fault (10 jobs at page_size 1: 3 stored, 1 quarantined, 6 never asked for).
jobsync::Config config_for(const TempDatabase& db, const EmulatorFixture& emulator, int page_size,
                           int concurrency)
{
    ConfigSpec spec = spec_for(emulator);
    spec.sync_extra = "page_size = " + std::to_string(page_size) + "\n";
    jobsync::Config config = load_test_config(db, spec);
    config.sync.concurrency = concurrency;
    return config;
}

} // namespace

TEST_CASE("rejected pages: one job with a 201-byte JobId at page_size 1 does not end the walk")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 20, {"Transcode"}));
    const std::vector<StoredJob> jobs = listing(emulator);
    REQUIRE(jobs.size() == 10);
    std::vector<StoredJob> good = jobs;
    good.erase(good.begin() + 3);
    spoil(emulator, jobs[3], with_long_job_id);
    const jobsync::Config config = config_for(db, emulator, 1, 1);

    const jobsync::SyncSummary run = sync_once(config);
    CHECK(run.failed == 0);
    CHECK(stored_ids(db) == ids_of(good));
    CHECK(db.count("quarantine") == 1);
    CHECK(db.scalar("SELECT octet_length(job_id) FROM quarantine") == "201");
    CHECK(run.totals.quarantined == 1);
    CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "ok");

    // verify walks past the page too: every good job checked, none missing...
    CHECK(verify(config, 0) ==
          "verify: 9 jobs checked in 1 partitions: 0 missing, 0 extra, 0 different\n");
    // ...so a job after it that the database lacks is named.
    const std::string last = jobs.back().job_id;
    db.scalar("DELETE FROM jobs WHERE job_id = '" + last + "'");
    const std::string missing = verify(config, 1);
    CHECK_THAT(missing, Catch::Contains("missing " + last + " ("));
    CHECK_THAT(missing, Catch::Contains(": 1 missing, 0 extra, 0 different"));
}

TEST_CASE("rejected pages: a resume continues after the token of a page of rejected jobs")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 21, {"Transcode"}));
    const std::vector<StoredJob> jobs = listing(emulator);
    REQUIRE(jobs.size() == 10);
    spoil(emulator, jobs[3], with_long_job_id);
    const jobsync::Config config = config_for(db, emulator, 1, 1);

    {
        // The page after the rejected one fails: the walk stops right behind it.
        const FaultTrigger fail(db, "BEFORE INSERT ON jobs FOR EACH ROW",
                                "IF NEW.job_id = '" + jobs[4].job_id +
                                    "' THEN RAISE EXCEPTION 'injected'; END IF;");
        CHECK(sync_once(config).failed == 1);
    }
    // Four pages committed (the last of them the rejected job's), their token kept.
    CHECK(db.scalar("SELECT pages FROM sync_slices") == "4");
    CHECK_FALSE(db.scalar("SELECT next_token FROM sync_slices").empty());
    CHECK(db.scalar("SELECT extract(epoch FROM last_creation_time)::bigint "
                    "FROM sync_slices") == std::to_string(jobs[2].creation_time));
    CHECK(db.count("quarantine") == 1);

    emulator.server->reset_stats();
    CHECK(sync_once(config).failed == 0);
    CHECK(db.count("jobs") == 9);
    // From the stored token: the six pages after the rejected job, nothing
    // before; then, the failed run's plan closed, one page of the window
    // planned since its end (a run that resumes an earlier run's plan also
    // catches up).
    CHECK(emulator.server->stats().jobs_requests == 6 + 1);
}

TEST_CASE("rejected pages: 100 jobs in a row with a drifted CreationTime at page_size 100")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(350, 22, {"Transcode"}));
    const std::vector<StoredJob> jobs = listing(emulator);
    REQUIRE(jobs.size() == 350);
    // Pages of 100: the first (the slice probe's page, at concurrency 2) and
    // the third (one of walk_pages') rejected whole.
    std::vector<StoredJob> good;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i < 100 || (i >= 200 && i < 300)) {
            spoil(emulator, jobs[i], with_drifted_creation_time);
        } else {
            good.push_back(jobs[i]);
        }
    }
    const jobsync::Config config = config_for(db, emulator, 100, 2);

    const jobsync::SyncSummary run = sync_once(config);
    CHECK(run.failed == 0);
    CHECK(db.count("jobs") == 150);
    CHECK(stored_ids(db) == ids_of(good));
    CHECK(db.count("quarantine") == 200);
    CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "ok");
    CHECK(verify(config, 0) ==
          "verify: 150 jobs checked in 1 partitions: 0 missing, 0 extra, 0 different\n");
}
