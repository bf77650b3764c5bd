// The read path of migrations/0022_read_path.sql (jobs side): v_jobs and
// v_daily_job_stats answer exactly what the same questions asked of the base
// tables answer (the view bodies of migrations/0002_views.sql, kept here as
// the reference), after a first sync, after a second sync that changes older
// jobs' states and adds jobs, after writes outside a sync (before and after
// a refresh), after deletes, and in other time zones.
#include "emulator/job_generator.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/db/daily_stats_store.hpp"
#include "jobsync/db/job_store.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace testing;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::JobSpec;

namespace {

// v_jobs as 0002 defines it (unchanged by 0022).
const std::string kJobsReference = R"(
SELECT j.job_id, j.bucket, j.tag, j.sub_tag, j.state, j.code, j.message, j.queue_id, j.queue_type,
       j.creation_time, j.start_time, j.end_time, j.creation_time::date AS local_date,
       extract(epoch FROM j.start_time - j.creation_time) AS queue_wait_seconds,
       extract(epoch FROM j.end_time - j.start_time) AS run_seconds,
       extract(epoch FROM j.end_time - j.creation_time) AS total_seconds,
       j.input_bucket, j.input_region, j.input_object,
       o.bucket AS output_bucket, o.region AS output_region, o.object AS output_object,
       f.object_name AS output_file, f.md5 AS output_md5,
       m.duration AS media_duration_seconds, m.size AS media_size_bytes,
       j.template_id, j.template_name, j.workflow_id, j.workflow_name, j.last_synced_at
FROM jobs j
LEFT JOIN LATERAL (SELECT bucket, region, object FROM job_outputs
                   WHERE job_id = j.job_id ORDER BY ordinal LIMIT 1) o ON true
LEFT JOIN LATERAL (SELECT object_name, md5 FROM output_files
                   WHERE job_id = j.job_id AND kind = 'main' ORDER BY ordinal LIMIT 1) f ON true
LEFT JOIN media_info m ON m.job_id = j.job_id)";

// v_daily_job_stats as 0002 defines it: every job through v_jobs, grouped.
const std::string kDailyReference = R"(
WITH per_state AS (
    SELECT local_date AS day, tag, queue_id, state, count(*) AS jobs,
           count(*) FILTER (WHERE state = 'Failed') AS failed,
           count(*) FILTER (WHERE state IN ('Success', 'Failed')) AS finished,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY run_seconds) AS p50_run,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY run_seconds) AS p95_run,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_wait_seconds) AS p50_wait,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY queue_wait_seconds) AS p95_wait
    FROM ()" + kJobsReference + R"() v
    GROUP BY local_date, tag, queue_id, state)
SELECT day, tag, queue_id, state, jobs, sum(jobs) OVER w AS day_jobs,
       round(sum(failed) OVER w / nullif(sum(finished) OVER w, 0), 4) AS failure_rate,
       round(p50_run::numeric, 3) AS p50_run_seconds, round(p95_run::numeric, 3) AS p95_run_seconds,
       round(p50_wait::numeric, 3) AS p50_queue_wait_seconds,
       round(p95_wait::numeric, 3) AS p95_queue_wait_seconds
FROM per_state
WINDOW w AS (PARTITION BY day, tag, queue_id))";

// The first column of the first row of sql, in a session whose TimeZone is
// zone ("" for the database's default).
std::string scalar_in_zone(const TempDatabase& db, const std::string& zone, const std::string& sql)
{
    if (zone.empty()) {
        return db.scalar(sql);
    }
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("SET TimeZone = " + txn.quote(zone));
    const pqxx::row row = txn.exec1(sql);
    std::string value = row[0].is_null() ? "" : row[0].as<std::string>();
    txn.commit();
    return value;
}

// "rows only in the view|rows only in the reference|rows": "0|0|N" when equal.
std::string difference(const TempDatabase& db, const std::string& view,
                       const std::string& reference, const std::string& zone = "")
{
    return scalar_in_zone(db, zone,
                          "SELECT (SELECT count(*) FROM (" + view + " EXCEPT ALL (" + reference +
                              ")) a) || '|' || (SELECT count(*) FROM ((" + reference +
                              ") EXCEPT ALL " + view + ") b) || '|' || (SELECT count(*) FROM (" +
                              view + ") c)");
}

std::string equal_rows(const TempDatabase& db, const std::string& table,
                       const std::string& zone = "")
{
    return "0|0|" + scalar_in_zone(db, zone, "SELECT count(*) FROM (" + table + ") t");
}

// v_jobs and v_daily_job_stats, whole and through the filters users put on
// them, against the reference: in the database's time zone (stored rows for
// the days no record touches) and in two others (every day from jobs; one
// off the hour, where a record's hour spans two days).
void require_views_exact(const TempDatabase& db)
{
    const std::vector<std::pair<std::string, std::string>> cases{
        {"SELECT * FROM v_jobs", kJobsReference},
        {"SELECT * FROM v_jobs WHERE creation_time >= now() - interval '2 days'",
         "SELECT * FROM (" + kJobsReference +
             ") r WHERE creation_time >= now() - interval '2 days'"},
        {"SELECT * FROM v_daily_job_stats", kDailyReference},
        {"SELECT * FROM v_daily_job_stats WHERE day >= current_date - 2",
         "SELECT * FROM (" + kDailyReference + ") r WHERE day >= current_date - 2"},
        {"SELECT * FROM v_daily_job_stats WHERE day = current_date - 1 AND tag = 'Snapshot'",
         "SELECT * FROM (" + kDailyReference +
             ") r WHERE day = current_date - 1 AND tag = 'Snapshot'"},
    };
    for (const std::string zone : {"", "Asia/Kolkata", "America/New_York"}) {
        for (const auto& [view, reference] : cases) {
            INFO(view << " in zone '" << zone << "'");
            CHECK(difference(db, view, reference, zone) == equal_rows(db, view, zone));
        }
    }
}

// What the stored rows hold for the days no record touches, beside the view.
std::string stored_rows_differ(const TempDatabase& db)
{
    return db.scalar("SELECT count(*) FROM ((SELECT * FROM daily_job_stats EXCEPT ALL "
                     "SELECT * FROM v_daily_job_stats) UNION ALL (SELECT * FROM "
                     "v_daily_job_stats EXCEPT ALL SELECT * FROM daily_job_stats)) d");
}

long refresh(const TempDatabase& db)
{
    auto conn = db.connect();
    return jobsync::daily_stats_store::refresh(*conn);
}

// A history over the last three and a half days, ending half a day ago, 5%
// of the older jobs left in Pause.
GeneratorOptions recent_history()
{
    GeneratorOptions options = generated_jobs(900, 71, {"Transcode", "Snapshot"});
    options.spacing_seconds = 280;
    options.first_creation_time = jobsync::now_unix_seconds() - 900 * 280 - 12 * 3600;
    options.old_unfinished_rate = 0.05;
    return options;
}

jobsync::JobRecord record_of(std::string_view id, std::string_view detail,
                             jobsync::UnixSeconds created)
{
    jobsync::JobRecord job;
    job.job_id = id;
    job.tag = "Transcode";
    job.state = std::string_view("Running");
    job.queue_id = std::string_view("p1");
    job.creation_time = created;
    job.start_time = created + 20;
    job.detail_xml = detail;
    return job;
}

} // namespace

TEST_CASE("read path: v_jobs and v_daily_job_stats equal the base-table answers across syncs, "
          "direct writes, deletes and time zones")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const GeneratorOptions options = recent_history();
    EmulatorFixture emulator(options);
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(db.count("jobs") == 900);
    const std::string paused = db.scalar("SELECT count(*) FROM jobs WHERE state = 'Pause'");
    REQUIRE(paused != "0");
    // The sync refreshed the stored rows: no day is left to read from jobs.
    CHECK(db.count("daily_job_stats_stale") == 0);
    CHECK(db.count("daily_job_stats") > 0);
    CHECK(stored_rows_differ(db) == "0");
    require_views_exact(db);

    // detail is the whole JobsDetail, and xpath() reads it.
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE (xpath('/JobsDetail/JobId/text()', "
                    "detail))[1]::text = job_id") == "900");

    // The older paused jobs finish (states of older days change); new jobs
    // arrive inside the 15-minute lookback of the first sync's cursor.
    REQUIRE(emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60) > 0);
    const jobsync::UnixSeconds recent = jobsync::now_unix_seconds() - 300;
    for (std::uint64_t i = 0; i < 6; ++i) {
        JobSpec job = jobsync::emulator::generate_job(options, 5000 + i,
                                                      i % 2 ? "Snapshot" : "Transcode", recent);
        job.state = i == 0 ? "Failed" : "Success";
        job.end_time = recent + 200;
        job.start_time = recent + 30;
        emulator.dataset.add(job);
    }
    REQUIRE(sync_once(config).failed == 0);
    CHECK(db.count("jobs") == 906);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state = 'Pause'") == "0");
    CHECK(db.count("daily_job_stats_stale") == 0);
    CHECK(stored_rows_differ(db) == "0");
    require_views_exact(db);

    // Writes outside a sync (the job store directly, as the listener's and
    // backfill's pages do) are exact before any refresh: their days are read
    // from jobs. One job three days back, one just after midnight.
    jobsync::SourceConfig source;
    source.bucket = "examplebucket-1250000000";
    const jobsync::Partition partition{&source, "Transcode", "p1"};
    jobsync::JobStore store;
    const auto write = [&](const std::vector<jobsync::JobRecord>& jobs) {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        const jobsync::PageWriteResult result = store.write_page(txn, partition, jobs, {});
        txn.commit();
        return result;
    };
    const jobsync::UnixSeconds midnight =
        std::stoll(db.scalar("SELECT extract(epoch FROM date_trunc('day', now()))::bigint"));
    jobsync::JobRecord older = record_of(
        "rp-older", "<JobsDetail><JobId>rp-older</JobId></JobsDetail>", midnight - 3 * 86400 + 5);
    jobsync::JobRecord today =
        record_of("rp-today", "<JobsDetail><JobId>rp-today</JobId></JobsDetail>", midnight + 1);
    CHECK(write({older, today}).inserted == 2);
    CHECK(db.count("daily_job_stats_stale") == 2);
    require_views_exact(db);
    // A sync that writes no job leaves the records to the next run that
    // does (a no-op run adds no transaction); the view stays exact.
    REQUIRE(sync_once(config).failed == 0);
    CHECK(db.count("daily_job_stats_stale") == 2);
    require_views_exact(db);
    CHECK(refresh(db) >= 2);
    CHECK(db.count("daily_job_stats_stale") == 0);
    CHECK(stored_rows_differ(db) == "0");
    require_views_exact(db);

    // A state change of an older job is recorded; a write that changes no
    // input of the statistics (the vanish check) is not.
    older.state = std::string_view("Failed");
    older.end_time = older.creation_time + 90;
    older.detail_xml = "<JobsDetail><JobId>rp-older</JobId><State>Failed</State></JobsDetail>";
    CHECK(write({older}).updated == 1);
    CHECK(db.count("daily_job_stats_stale") == 1);
    require_views_exact(db);
    CHECK(refresh(db) >= 1);
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("UPDATE jobs SET vanish_checked_at = now()");
        txn.commit();
    }
    CHECK(db.count("daily_job_stats_stale") == 0);
    require_views_exact(db);

    // A refresh from a session in another zone rebuilds every day in that
    // zone; the database's own zone then reads from jobs until the next
    // refresh in it.
    const long days =
        std::stol(scalar_in_zone(db, "Asia/Kolkata", "SELECT refresh_daily_job_stats()"));
    CHECK(days >= 4);
    CHECK(db.scalar("SELECT time_zone FROM daily_job_stats_zone") == "Asia/Kolkata");
    require_views_exact(db);
    CHECK(refresh(db) >= 4);
    CHECK(db.scalar("SELECT time_zone FROM daily_job_stats_zone") == db.scalar("SHOW TimeZone"));
    CHECK(stored_rows_differ(db) == "0");

    // No worker path deletes jobs, but an operator may (retention): the
    // deleted days are recorded, then refreshed.
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("DELETE FROM jobs WHERE job_id IN (SELECT job_id FROM jobs "
                 "ORDER BY creation_time LIMIT 300) OR job_id = 'rp-today'");
        txn.commit();
    }
    CHECK(db.count("daily_job_stats_stale") > 0);
    require_views_exact(db);
    refresh(db);
    CHECK(stored_rows_differ(db) == "0");
    require_views_exact(db);

    // TRUNCATE (as tests clear a schema) empties the stored rows too.
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("TRUNCATE jobs CASCADE");
        txn.commit();
    }
    CHECK(db.count("daily_job_stats") == 0);
    CHECK(db.scalar("SELECT count(*) FROM v_daily_job_stats") == "0");
}

namespace {

// The plan of sql (EXPLAIN, one line a node), after the statement setup.
std::string plan_of(const TempDatabase& db, const std::string& setup, const std::string& sql)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    if (!setup.empty()) {
        txn.exec(setup);
    }
    std::string plan;
    for (const pqxx::row& row : txn.exec("EXPLAIN " + sql)) {
        plan += row[0].as<std::string>() + "\n";
    }
    return plan;
}

bool mentions(const std::string& text, const std::string& word)
{
    return text.find(word) != std::string::npos;
}

} // namespace

TEST_CASE("read path: v_jobs' output columns are its first output's, and a window that uses none "
          "of them reads jobs alone, through the creation_time index")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(recent_history());
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    REQUIRE(sync_once(config).failed == 0);
    // Every job gets a later second output with every column set; a third of
    // the first outputs and main files lose their region and MD5: the view
    // must show the first row's NULL, not the later row's value.
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("INSERT INTO job_outputs (job_id, ordinal, bucket, region, object) "
                 "SELECT job_id, max(ordinal) + 1, 'later-bucket', 'later-region', 'later/object' "
                 "FROM job_outputs GROUP BY job_id");
        txn.exec("INSERT INTO output_files (job_id, ordinal, kind, bucket, object_name, md5) "
                 "SELECT job_id, max(ordinal) + 1, 'main', 'later-bucket', 'later/file', "
                 "'0123456789abcdef0123456789abcdef' FROM output_files GROUP BY job_id");
        txn.exec("UPDATE job_outputs SET region = NULL WHERE (job_id, ordinal) IN "
                 "(SELECT job_id, min(ordinal) FROM job_outputs GROUP BY job_id) "
                 "AND hashtext(job_id) % 3 = 0");
        txn.exec("UPDATE output_files SET md5 = NULL WHERE (job_id, ordinal) IN "
                 "(SELECT job_id, min(ordinal) FROM output_files WHERE kind = 'main' "
                 "GROUP BY job_id) AND hashtext(job_id) % 3 = 0");
        txn.commit();
    }
    const std::string nulled_regions =
        db.scalar("SELECT count(*) FROM jobs WHERE hashtext(job_id) % 3 = 0 AND job_id IN "
                  "(SELECT job_id FROM job_outputs)");
    REQUIRE(nulled_regions != "0");
    CHECK(db.scalar("SELECT count(*) FROM v_jobs WHERE output_region IS NULL AND job_id IN "
                    "(SELECT job_id FROM job_outputs)") == nulled_regions);
    CHECK(db.scalar("SELECT count(*) FROM v_jobs WHERE output_region = 'later-region'") == "0");
    CHECK(db.scalar("SELECT count(*) FROM v_jobs WHERE output_md5 = "
                    "'0123456789abcdef0123456789abcdef'") == "0");
    CHECK(difference(db, "SELECT * FROM v_jobs", kJobsReference) ==
          equal_rows(db, "SELECT * FROM v_jobs"));

    // The heap's pages all-visible, as autovacuum keeps them: the planner
    // then weighs index-only scans as a BI user's session would.
    {
        auto conn = db.connect();
        pqxx::nontransaction(*conn).exec("VACUUM ANALYZE jobs");
    }
    // A dashboard's window question: no output table in its plan (the
    // LATERALs are dropped, not run per job), jobs read through the
    // creation_time index (the planner's choice among indexes; the heap
    // scan is turned off so the small test table does not hide it).
    const std::string window_plan =
        plan_of(db, "SET LOCAL enable_seqscan = off",
                "SELECT tag, percentile_cont(0.95) WITHIN GROUP (ORDER BY run_seconds) "
                "FROM v_jobs WHERE creation_time >= now() - interval '7 days' GROUP BY tag");
    INFO(window_plan);
    CHECK_FALSE(mentions(window_plan, "job_outputs"));
    CHECK_FALSE(mentions(window_plan, "output_files"));
    CHECK_FALSE(mentions(window_plan, "media_info"));
    CHECK(mentions(window_plan, "jobs_creation_time_idx"));
    // The window's columns are in that index (migration 0024): with the
    // heap's pages all-visible, the planner answers from the index alone.
    const std::string index_only_plan =
        plan_of(db, "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off",
                "SELECT queue_id, tag, state, percentile_cont(0.95) WITHIN GROUP (ORDER BY "
                "queue_wait_seconds), avg(run_seconds) FROM v_jobs "
                "WHERE creation_time >= now() - interval '7 days' GROUP BY queue_id, tag, state");
    INFO(index_only_plan);
    CHECK(mentions(index_only_plan, "Index Only Scan using jobs_creation_time_idx"));
    // One input file's jobs with every column: the filter is an index
    // condition on jobs, below the joins.
    const std::string input_plan =
        plan_of(db, "SET LOCAL enable_seqscan = off",
                "SELECT * FROM v_jobs WHERE input_bucket = 'b' AND input_object = 'in/a.mp4'");
    INFO(input_plan);
    CHECK(mentions(input_plan, "jobs_input_object_idx"));
}
