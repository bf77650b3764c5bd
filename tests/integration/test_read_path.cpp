// The read path of migrations/0012_read_path.sql: each view answers exactly
// what the same question asked of the base tables answers (the view bodies of
// migrations/0002_views.sql, kept here as the reference), after a first sync,
// after a second sync that changes older jobs' states and adds jobs, after a
// page partly quarantined and after jobs are deleted; and the MD5 facts the
// triggers keep equal a recount of output_files.
#include "emulator/job_generator.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/db/job_store.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

using namespace testing;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::JobSpec;

namespace {

// v_jobs as 0002 defines it (unchanged by 0012).
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

// v_output_md5_audit as 0002 defines it: aggregates over every file, joined
// with IS NOT DISTINCT FROM.
const std::string kAuditReference = R"(
WITH files AS (SELECT f.*, lower(nullif(f.md5, '')) AS md5_norm FROM output_files f),
per_object AS (
    SELECT bucket, object_name, count(DISTINCT job_id) AS writer_jobs,
           count(DISTINCT md5_norm) AS distinct_md5s
    FROM files GROUP BY bucket, object_name),
per_md5 AS (
    SELECT md5_norm, count(DISTINCT (bucket, object_name)) AS objects
    FROM files WHERE md5_norm IS NOT NULL GROUP BY md5_norm)
SELECT f.bucket, f.region, f.object_prefix, f.object_name, f.kind, f.md5, f.job_id, j.tag,
       j.state, j.creation_time, j.end_time, po.writer_jobs, po.distinct_md5s,
       coalesce(pm.objects, 0) AS objects_with_same_md5,
       (j.state = 'Success' AND f.md5_norm IS NULL) AS missing_md5,
       (po.distinct_md5s > 1) AS md5_differs,
       (coalesce(pm.objects, 0) > 1) AS md5_shared,
       (j.state = 'Success' AND f.md5_norm IS NULL) OR po.distinct_md5s > 1
           OR coalesce(pm.objects, 0) > 1 AS flagged
FROM files f
JOIN jobs j ON j.job_id = f.job_id
JOIN per_object po ON po.bucket IS NOT DISTINCT FROM f.bucket
                  AND po.object_name IS NOT DISTINCT FROM f.object_name
LEFT JOIN per_md5 pm ON pm.md5_norm = f.md5_norm)";

// "rows only in the view|rows only in the reference|rows": "0|0|N" when equal.
std::string difference(const TempDatabase& db, const std::string& view,
                       const std::string& reference)
{
    return db.scalar("SELECT (SELECT count(*) FROM (" + view + " EXCEPT ALL (" + reference +
                     ")) a) || '|' || (SELECT count(*) FROM ((" + reference + ") EXCEPT ALL " +
                     view + ") b) || '|' || (SELECT count(*) FROM (" + view + ") c)");
}

// The objects of the bucket with its first (or last) object name.
std::string one_object_of(const std::string& aggregate)
{
    return "(bucket, object_name) IN (SELECT bucket, " + aggregate +
           "(object_name) FROM output_files WHERE bucket IS NOT NULL GROUP BY bucket)";
}

std::string equal_rows(const TempDatabase& db, const std::string& table)
{
    return "0|0|" + db.scalar("SELECT count(*) FROM (" + table + ") t");
}

// Every view, whole and through the filters users put on it, against the
// reference. The audit's reference (a nested loop over all files) is
// computed once into a table.
void require_views_exact(const TempDatabase& db)
{
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("CREATE TABLE audit_reference AS " + kAuditReference);
        txn.commit();
    }
    const std::string audit = "SELECT * FROM audit_reference";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"SELECT * FROM v_jobs", kJobsReference},
        {"SELECT * FROM v_daily_job_stats", kDailyReference},
        {"SELECT * FROM v_daily_job_stats WHERE day >= current_date - 2",
         "SELECT * FROM (" + kDailyReference + ") r WHERE day >= current_date - 2"},
        {"SELECT * FROM v_daily_job_stats WHERE day = current_date - 1 AND tag = 'Snapshot'",
         "SELECT * FROM (" + kDailyReference +
             ") r WHERE day = current_date - 1 AND tag = 'Snapshot'"},
        {"SELECT * FROM v_output_md5_audit", audit},
        {"SELECT * FROM v_output_md5_audit WHERE flagged", audit + " WHERE flagged"},
        // One object at a time, as a user asks.
        {"SELECT * FROM v_output_md5_audit WHERE " + one_object_of("min"),
         audit + " WHERE " + one_object_of("min")},
        {"SELECT * FROM v_output_md5_audit WHERE " + one_object_of("max"),
         audit + " WHERE " + one_object_of("max")},
    };
    for (const auto& [view, reference] : cases) {
        INFO(view);
        CHECK(difference(db, view, reference) == equal_rows(db, view));
    }
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("DROP TABLE audit_reference");
        txn.commit();
    }
    // The facts the triggers keep, against a recount.
    CHECK(difference(db, "SELECT md5_norm, objects FROM output_md5s",
                     "SELECT lower(md5), count(DISTINCT (bucket, object_name)) FROM output_files "
                     "WHERE md5 <> '' GROUP BY 1") == equal_rows(db, "SELECT * FROM output_md5s"));
    CHECK(difference(db, "SELECT md5_norm, bucket, object_name, files FROM output_md5_objects",
                     "SELECT lower(md5), bucket, object_name, count(*) FROM output_files "
                     "WHERE md5 <> '' GROUP BY 1, 2, 3") ==
          equal_rows(db, "SELECT * FROM output_md5_objects"));
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

jobsync::JobRecord record_with_files(std::string_view id, std::string_view detail,
                                     std::vector<jobsync::OutputFile> files)
{
    jobsync::JobRecord job;
    job.job_id = id;
    job.tag = "Transcode";
    job.state = std::string_view("Success");
    job.queue_id = std::string_view("p1");
    job.creation_time = jobsync::now_unix_seconds() - 7200;
    job.detail_xml = detail;
    job.output_files = std::move(files);
    return job;
}

} // namespace

TEST_CASE("read path: views equal the base-table answers across syncs, quarantine and deletes")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    const GeneratorOptions options = recent_history();
    EmulatorFixture emulator(options);
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(db.count("jobs") == 900);
    REQUIRE(db.count("output_md5s") > 0);
    const std::string paused = db.scalar("SELECT count(*) FROM jobs WHERE state = 'Pause'");
    REQUIRE(paused != "0");
    require_views_exact(db);

    // detail is the whole JobsDetail, lz4-compressed, and xpath() reads it.
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE (xpath('/JobsDetail/JobId/text()', "
                    "detail))[1]::text = job_id") == "900");
    CHECK(db.scalar("SELECT string_agg(DISTINCT pg_column_compression(detail), ',') FROM jobs") ==
          "lz4");

    // The older paused jobs finish; new jobs arrive, one rewriting an object
    // already written (another MD5), one repeating a stored MD5 (upper case)
    // under a new name.
    const std::string object =
        db.scalar("SELECT bucket || '|' || object_name || '|' || md5 FROM output_files "
                  "WHERE md5 <> '' AND bucket IS NOT NULL AND object_name IS NOT NULL "
                  "ORDER BY job_id, ordinal LIMIT 1");
    const std::string bucket = object.substr(0, object.find('|'));
    const std::string name =
        object.substr(bucket.size() + 1, object.rfind('|') - bucket.size() - 1);
    const std::string md5 = object.substr(object.rfind('|') + 1);
    REQUIRE(emulator.dataset.finish_unfinished(jobsync::now_unix_seconds() - 60) > 0);
    // Inside the 15-minute lookback of the first sync's cursor.
    const jobsync::UnixSeconds recent = jobsync::now_unix_seconds() - 300;
    for (std::uint64_t i = 0; i < 6; ++i) {
        JobSpec job = jobsync::emulator::generate_job(options, 5000 + i,
                                                      i % 2 ? "Snapshot" : "Transcode", recent);
        job.state = "Success";
        job.end_time = recent + 200;
        job.start_time = recent + 30;
        if (i == 0) {
            job.output_files = {{bucket, "ap-guangzhou", "", name, "0123456789abcdef"}};
        } else if (i == 1) {
            job.output_files = {{bucket, "ap-guangzhou", "", "again/" + name, md5}};
            for (char& c : job.output_files[0].md5) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
        }
        emulator.dataset.add(job);
    }
    REQUIRE(sync_once(config).failed == 0);
    CHECK(db.count("jobs") == 906);
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE state = 'Pause'") == "0");
    CHECK(db.scalar("SELECT md5_differs FROM v_output_md5_audit WHERE bucket = '" + bucket +
                    "' AND object_name = '" + name + "' LIMIT 1") == "t");
    CHECK(db.scalar("SELECT objects FROM output_md5s WHERE md5_norm = lower('" + md5 + "')") ==
          "2");
    require_views_exact(db);

    // A page the database refuses in part: it is rolled back and written job by
    // job; the refused job goes to quarantine, its files never count. Files of
    // objects not fully named take the view's second branch.
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
    const std::string shared_md5 = "feedfacefeedfacefeedfacefeedface";
    jobsync::JobRecord unnamed = record_with_files(
        "rp-unnamed", "<JobsDetail><JobId>rp-unnamed</JobId></JobsDetail>",
        {{"main", std::nullopt, std::nullopt, std::nullopt, std::string_view("out/n.mp4"),
          std::string_view(shared_md5)},
         {"main", std::string_view("b-1"), std::nullopt, std::nullopt, std::nullopt, std::nullopt},
         {"sprite", std::nullopt, std::nullopt, std::nullopt, std::nullopt,
          std::string_view(shared_md5)}});
    jobsync::JobRecord refused =
        record_with_files("rp-refused", "<JobsDetail><JobId>rp-refused</JobId></JobsDetail>",
                          {{"main", std::string_view("b-1"), std::nullopt, std::nullopt,
                            std::string_view("out/r.mp4"), std::string_view(shared_md5)}});
    refused.progress = 99999999999LL; // jobs.progress is an int
    const jobsync::PageWriteResult partly = write({unnamed, refused});
    CHECK(partly.inserted == 1);
    CHECK(partly.quarantined == 1);
    CHECK(db.scalar("SELECT objects FROM output_md5s WHERE md5_norm = '" + shared_md5 + "'") ==
          "2");
    require_views_exact(db);

    // The same job changed: its files are replaced (deleted, inserted again).
    unnamed.detail_xml = "<JobsDetail><JobId>rp-unnamed</JobId><Changed/></JobsDetail>";
    unnamed.output_files.pop_back();
    CHECK(write({unnamed, refused}).updated == 1);
    CHECK(db.scalar("SELECT objects FROM output_md5s WHERE md5_norm = '" + shared_md5 + "'") ==
          "1");
    require_views_exact(db);

    // No worker path deletes jobs, but an operator may (retention): the
    // cascade keeps the facts exact too.
    {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        txn.exec("DELETE FROM jobs WHERE job_id IN (SELECT job_id FROM jobs "
                 "ORDER BY creation_time LIMIT 300) OR job_id = 'rp-unnamed'");
        txn.commit();
    }
    CHECK(db.scalar("SELECT count(*) FROM output_md5s WHERE md5_norm = '" + shared_md5 + "'") ==
          "0");
    require_views_exact(db);
}
