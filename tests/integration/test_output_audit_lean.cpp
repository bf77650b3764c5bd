// The output audits read output_files alone (migration 0023):
// v_output_writers, v_output_audit and v_output_md5_audit answer exactly what
// their first definitions asked of the base tables (written out below in
// plain SQL), after a first sync and after runs that change older jobs'
// states, rewrite their outputs and add new jobs, and after files and checks
// written, updated and deleted by hand; output_files.job_state/job_created
// equal their jobs' values, as written by the store and as backfilled by
// 0023 on a database with history.
#include "jobsync/commands/window_walk.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/migrations.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <string>
#include <vector>

using namespace testing;
using jobsync::emulator::JobSpec;

namespace {

const std::vector<std::string> kTags{"Transcode", "Snapshot"};

// v_output_audit as migration 0013 defined it: each object's writers ranked
// with a window over output_files joined with jobs.
const char* const kAuditQuestion = R"SQL(
WITH writers AS (
    SELECT f.job_id, f.bucket, f.object_name, f.md5,
           rank() OVER (PARTITION BY f.bucket, f.object_name
                        ORDER BY j.creation_time DESC, f.job_id DESC) AS writer_rank
    FROM output_files f JOIN jobs j ON j.job_id = f.job_id
    WHERE j.state = 'Success')
SELECT w.job_id, w.bucket, w.object_name, w.md5,
       CASE WHEN w.writer_rank > 1 THEN 'superseded'
            WHEN c.object_name IS NULL OR c.writer_job_id <> w.job_id THEN 'not_checked'
            ELSE output_check_verdict(w.md5, c.http_status, c.etag, c.meta_md5, c.filehash_md5)
       END,
       c.checked_at
FROM writers w
LEFT JOIN output_checks c ON c.bucket = w.bucket AND c.object_name = w.object_name)SQL";

// v_output_md5_audit as migration 0002 defined it: per-object and per-MD5
// aggregates over every output file, objects matched with IS NOT DISTINCT FROM.
const char* const kMd5Question = R"SQL(
WITH files AS (
    SELECT f.job_id, f.bucket, f.region, f.object_prefix, f.object_name, f.kind, f.md5,
           lower(nullif(f.md5, '')) AS md5_norm
    FROM output_files f),
per_object AS (
    SELECT bucket, object_name, count(DISTINCT job_id) AS writer_jobs,
           count(DISTINCT md5_norm) AS distinct_md5s
    FROM files GROUP BY bucket, object_name),
per_md5 AS (
    SELECT md5_norm, count(DISTINCT (bucket, object_name)) AS objects
    FROM files WHERE md5_norm IS NOT NULL GROUP BY md5_norm)
SELECT f.bucket, f.region, f.object_prefix, f.object_name, f.kind, f.md5, f.job_id,
       j.tag, j.state, j.creation_time, j.end_time, po.writer_jobs, po.distinct_md5s,
       coalesce(pm.objects, 0),
       (j.state = 'Success' AND f.md5_norm IS NULL),
       (po.distinct_md5s > 1),
       (coalesce(pm.objects, 0) > 1),
       (j.state = 'Success' AND f.md5_norm IS NULL) OR po.distinct_md5s > 1
           OR coalesce(pm.objects, 0) > 1
FROM files f
JOIN jobs j ON j.job_id = f.job_id
JOIN per_object po ON po.bucket IS NOT DISTINCT FROM f.bucket
                  AND po.object_name IS NOT DISTINCT FROM f.object_name
LEFT JOIN per_md5 pm ON pm.md5_norm = f.md5_norm)SQL";

// v_output_writers as migration 0013 defined it.
const char* const kWritersQuestion = R"SQL(
SELECT f.job_id, f.bucket, f.region, f.object_name, f.md5, j.bucket, j.tag, j.creation_time,
       rank() OVER (PARTITION BY f.bucket, f.object_name
                    ORDER BY j.creation_time DESC, f.job_id DESC)
FROM output_files f JOIN jobs j ON j.job_id = f.job_id
WHERE j.state = 'Success')SQL";

// output_files' carried columns and what they carry.
const char* const kCarried = "SELECT f.job_id, f.ordinal, j.state, j.creation_time "
                             "FROM output_files f JOIN jobs j ON j.job_id = f.job_id";
const char* const kCarriedColumns = "SELECT job_id, ordinal, job_state, job_created "
                                    "FROM output_files";

void exec(const TempDatabase& db, const std::string& sql)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec(sql);
    txn.commit();
}

// Rows in one query and not the other (with multiplicity), both ways, asked
// in `schema`.
long differing_rows(const TempDatabase& db, const std::string& a, const std::string& b,
                    const std::string& schema = "ci")
{
    return std::stol(db.scalar("SET search_path TO " + schema + "; SELECT count(*) FROM (((" + a +
                               ") EXCEPT ALL (" + b + ")) UNION ALL ((" + b + ") EXCEPT ALL (" + a +
                               "))) d"));
}

void require_views_answer_their_questions(const TempDatabase& db, const std::string& schema = "ci")
{
    CHECK(differing_rows(db, kCarried, kCarriedColumns, schema) == 0);
    CHECK(differing_rows(db, kWritersQuestion, "SELECT * FROM v_output_writers", schema) == 0);
    CHECK(differing_rows(db, kAuditQuestion, "SELECT * FROM v_output_audit", schema) == 0);
    CHECK(differing_rows(db, kMd5Question, "SELECT * FROM v_output_md5_audit", schema) == 0);
    CHECK(db.scalar("SELECT count(*) FROM " + schema + ".v_output_md5_audit") ==
          db.scalar("SELECT count(*) FROM " + schema + ".output_files"));
}

// Checks of some objects, as `audit` records them: the newest writer's (so
// a verdict), an older writer's (stale: not_checked), in every status.
void record_checks(const TempDatabase& db)
{
    exec(db, R"SQL(
INSERT INTO output_checks (bucket, object_name, region, checked_at, http_status, "exists", etag,
                           meta_md5, writer_job_id, reported_md5)
SELECT bucket, object_name, 'ap-guangzhou', now(),
       (ARRAY[200, 200, 200, 404, 403, 503])[1 + n % 6], n % 6 < 3,
       CASE n % 4 WHEN 0 THEN md5 WHEN 1 THEN upper(md5)
                  WHEN 2 THEN 'ffffffffffffffffffffffffffffffff' ELSE md5 || '-3' END,
       NULL,
       CASE WHEN n % 7 = 0 THEN 'an-older-writer' ELSE job_id END, md5
FROM (SELECT DISTINCT ON (f.bucket, f.object_name) f.bucket, f.object_name, f.job_id, f.md5,
             row_number() OVER () AS n
      FROM output_files f JOIN jobs j ON j.job_id = f.job_id
      WHERE j.state = 'Success' AND f.bucket IS NOT NULL AND f.object_name IS NOT NULL
      ORDER BY f.bucket, f.object_name, j.creation_time DESC, f.job_id DESC) w
ON CONFLICT DO NOTHING)SQL");
}

// The plan of sql (EXPLAIN, one line a node), with the heap scan turned
// off so the small test tables do not hide the indexes.
std::string plan_of(const TempDatabase& db, const std::string& sql)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("SET LOCAL enable_seqscan = off");
    std::string plan;
    for (const pqxx::row& row : txn.exec("EXPLAIN " + sql)) {
        plan += row[0].as<std::string>() + "\n";
    }
    return plan;
}

// Scans of output_files in plan not bounded by an index condition.
int unbounded_file_scans(const std::string& plan)
{
    int unbounded = 0;
    std::size_t at = 0;
    while ((at = plan.find(" on output_files", at)) != std::string::npos) {
        const std::size_t next_line = plan.find('\n', at);
        const std::size_t after = plan.find('\n', next_line + 1);
        const std::string condition = plan.substr(next_line, after - next_line);
        if (condition.find("Index Cond:") == std::string::npos &&
            condition.find("Recheck Cond:") == std::string::npos) {
            ++unbounded;
        }
        at = next_line;
    }
    return unbounded;
}

} // namespace

TEST_CASE("output audit lean: the audit views answer their base-table questions across rewrites")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(500, 1901, kTags));
    // What makes the audits interesting: objects written by several jobs with
    // different MD5s, one MD5 on several objects (in either case), no MD5.
    std::vector<JobSpec> jobs;
    for (JobSpec& job : emulator.dataset.specs()) {
        if (!job.output_files.empty()) {
            jobs.push_back(std::move(job));
        }
    }
    REQUIRE(jobs.size() >= 200);
    for (std::size_t i = 0; i + 1 < 60; i += 3) {
        jobs[i].output_files.front().object_name = jobs[i + 1].output_files.front().object_name;
        jobs[i + 2].output_files.front().md5 = "0123456789ABCDEF0123456789ABCDEF";
        jobs[i + 1].output_files.back().md5 = i % 2 == 0 ? "0123456789abcdef0123456789abcdef" : "";
        emulator.dataset.add(jobs[i]);
        emulator.dataset.add(jobs[i + 1]);
        emulator.dataset.add(jobs[i + 2]);
    }
    ConfigSpec spec = spec_for(emulator);
    spec.tags = kTags;
    spec.sync_extra = "page_size = 40\n";
    const jobsync::Config config = load_test_config(db, spec);
    REQUIRE(sync_once(config).failed == 0);
    record_checks(db);
    INFO("after the first sync");
    require_views_answer_their_questions(db);
    CHECK(db.scalar("SELECT count(*) > 0 FROM v_output_audit WHERE verdict = 'superseded'") == "t");
    CHECK(db.scalar("SELECT count(DISTINCT verdict) >= 6 FROM v_output_audit") == "t");
    CHECK(db.scalar("SELECT count(*) > 0 FROM v_output_md5_audit WHERE md5_shared") == "t");
    CHECK(db.scalar("SELECT count(*) > 0 FROM v_output_md5_audit WHERE md5_differs") == "t");

    // Older jobs rewritten: outputs moved onto other objects (the newest
    // writer of some leaves them), MD5s changed, files added; unfinished
    // jobs finish with outputs; new jobs overwrite older objects.
    for (std::size_t i = 60; i < 120; i += 2) {
        JobSpec job = jobs[i];
        job.output_files.front().object_name = jobs[i + 1].output_files.front().object_name;
        job.output_files.front().md5 = i % 4 == 0 ? jobs[i + 1].output_files.front().md5 : "";
        job.output_files.push_back(job.output_files.front());
        job.output_files.back().object_name += ".copy";
        emulator.dataset.add(job);
    }
    for (std::size_t i = 0; i < 12; i += 3) {
        JobSpec job = jobs[i + 1]; // a newest writer leaves its object
        job.output_files.front().object_name = "moved/" + job.job_id + ".mp4";
        emulator.dataset.add(job);
    }
    const jobsync::UnixSeconds now = jobsync::now_unix_seconds();
    CHECK(emulator.dataset.finish_unfinished(now - 60) > 0);
    int overwriting = 0; // new Success jobs writing an older job's object
    for (std::uint64_t n = 0; n < 30; ++n) {
        const JobSpec generated = jobsync::emulator::generate_job(
            emulator.generator, 700000 + n, kTags[n % 2], now - 300 + static_cast<long>(n));
        emulator.dataset.add(generated);
        emulator.dataset.finish_jobs({generated.job_id}, now - 200);
        JobSpec job = *emulator.dataset.find(generated.job_id);
        if (job.state != "Success" || job.output_files.empty()) {
            continue; // generated as failed or cancelled
        }
        job.output_files.front().object_name = jobs[200 + n].output_files.front().object_name;
        emulator.dataset.add(job);
        ++overwriting;
    }
    REQUIRE(overwriting >= 10);
    REQUIRE(sync_once(config).failed == 0);
    REQUIRE(jobsync::run_backfill(config, {}, nullptr) == 0);
    INFO("after rewrites and new jobs");
    require_views_answer_their_questions(db);
    CHECK(db.scalar("SELECT count(*) FROM output_files WHERE object_name LIKE 'moved/%'") == "4");

    // One object: every read of output_files is bounded by that object's
    // index or one of its MD5s (no pass over the history); a count that
    // reads no column of jobs does not join it.
    const std::string object = "bucket = $q$" + jobs[200].output_files.front().bucket +
                               "$q$ AND object_name = $q$" +
                               jobs[200].output_files.front().object_name + "$q$";
    for (const std::string view : {"v_output_md5_audit", "v_output_audit"}) {
        const std::string plan = plan_of(db, "SELECT * FROM " + view + " WHERE " + object);
        INFO(plan);
        CHECK(unbounded_file_scans(plan) == 0);
        CHECK(plan.find("output_files_object_idx") != std::string::npos);
    }
    for (const std::string view : {"v_output_md5_audit", "v_output_writers"}) {
        const std::string plan = plan_of(db, "SELECT count(*) FROM " + view);
        INFO(plan);
        CHECK(plan.find(" on jobs") == std::string::npos);
    }
}

// Files written by hand carry their job's state and creation time, as the
// store writes them.
std::string insert_files(const std::string& values)
{
    return "INSERT INTO output_files (job_id, ordinal, kind, bucket, object_name, md5, job_state, "
           "job_created) SELECT v.job_id, v.ordinal, 'main', v.bucket, v.object_name, v.md5, "
           "j.state, j.creation_time FROM (VALUES " +
           values + ") AS v (job_id, ordinal, bucket, object_name, md5) JOIN jobs j USING (job_id)";
}

TEST_CASE("output audit lean: the views follow files and checks written, updated and deleted by "
          "hand")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(200, 1902, kTags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = kTags;
    const jobsync::Config config = load_test_config(db, spec);
    REQUIRE(sync_once(config).failed == 0);
    require_views_answer_their_questions(db);

    const std::string some_job =
        db.scalar("SELECT min(job_id) FROM output_files WHERE job_state = 'Success'");
    const std::string other_job =
        db.scalar("SELECT max(job_id) FROM output_files WHERE job_state = 'Success'");
    // Onto existing objects (MD5s in another case), and objects not fully
    // named: NULL bucket, NULL object name, both.
    exec(db, "INSERT INTO output_files (job_id, ordinal, kind, bucket, object_name, md5, "
             "job_state, job_created) SELECT '" +
                 some_job +
                 "', 100 + f.ordinal, f.kind, f.bucket, f.object_name, upper(f.md5), j.state, "
                 "j.creation_time FROM output_files f JOIN jobs j ON j.job_id = '" +
                 some_job + "' WHERE f.job_id = '" + other_job + "'");
    exec(db, insert_files(
                 "('" + some_job + "', 200, NULL, 'unnamed.mp4', 'abc'), ('" + other_job +
                 "', 200, NULL, 'unnamed.mp4', 'ABC'), ('" + other_job +
                 "', 201, NULL, 'unnamed.mp4', 'abd'), ('" + some_job +
                 "', 201, 'b', NULL, 'abc'), ('" + other_job + "', 202, 'b', NULL, ''), ('" +
                 some_job + "', 202, NULL, NULL, 'abc'), ('" + some_job +
                 "', 203, NULL, 'mix.mp4', 'abe'), ('" + other_job +
                 "', 204, 'b', 'mix.mp4', 'ABE'), ('" + other_job + "', 203, NULL, NULL, NULL)"));
    require_views_answer_their_questions(db);
    CHECK(db.scalar("SELECT count(*) FROM v_output_md5_audit WHERE bucket IS NULL AND "
                    "md5_differs AND objects_with_same_md5 = 3") == "2");
    CHECK(db.scalar("SELECT count(*) FROM v_output_md5_audit WHERE object_name = 'mix.mp4' AND "
                    "md5_shared AND NOT md5_differs") == "2");
    exec(db, "UPDATE output_files SET md5 = 'deadbeef' WHERE job_id = '" + some_job + "'");
    exec(db, "UPDATE output_files SET object_name = object_name || '.2' WHERE job_id = '" +
                 other_job + "' AND ordinal = 1");
    require_views_answer_their_questions(db);
    exec(db, "DELETE FROM output_files WHERE job_id = '" + some_job + "' AND ordinal >= 100");
    exec(db, "DELETE FROM jobs WHERE job_id = '" + other_job + "'"); // cascades to its files
    require_views_answer_their_questions(db);
    exec(db, "INSERT INTO output_files (job_id, ordinal, kind, bucket, object_name, md5, "
             "job_state, job_created) SELECT '" +
                 some_job +
                 "', 1000 + n, 'main', 'bulk', 'bulk/' || (n % 700), md5((n % 900)::text), "
                 "j.state, j.creation_time FROM generate_series(1, 1500) n JOIN jobs j ON "
                 "j.job_id = '" +
                 some_job + "'");
    require_views_answer_their_questions(db);
    exec(db, "UPDATE output_files SET md5 = md5((ordinal % 3)::text) WHERE bucket = 'bulk'");
    require_views_answer_their_questions(db);
    exec(db, "DELETE FROM output_files WHERE bucket = 'bulk' AND ordinal % 2 = 0");
    require_views_answer_their_questions(db);
    // One object written by seven jobs, older and newer than each other, a
    // failed one, a job writing it twice, an MD5 repeated in another case.
    exec(db, "INSERT INTO jobs (job_id, bucket, tag, state, creation_time, detail, detail_hash) "
             "SELECT 'w' || n, 'b-1', 'Transcode', CASE WHEN n = 4 THEN 'Failed' ELSE 'Success' "
             "END, timestamptz '2026-01-01' + (n % 5) * interval '1 day', '<a/>', '\\x00' "
             "FROM generate_series(1, 7) n");
    for (int n = 1; n <= 7; ++n) {
        const std::string md5 = n % 3 == 0 ? "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                           : "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + std::to_string(n);
        exec(db, insert_files("('w" + std::to_string(n) + "', 1, 'out', 'hot.mp4', '" + md5 + "')" +
                              (n == 5 ? ", ('w5', 2, 'out', 'hot.mp4', '" + md5 + "')" : "")));
        INFO("writer " << n);
        require_views_answer_their_questions(db);
    }
    CHECK(db.scalar("SELECT DISTINCT writer_jobs || '/' || distinct_md5s FROM v_output_md5_audit "
                    "WHERE object_name = 'hot.mp4'") == "7/6");
    CHECK(db.scalar("SELECT string_agg(job_id || ':' || verdict, ',' ORDER BY job_id) FROM "
                    "v_output_audit WHERE object_name = 'hot.mp4'") ==
          "w1:superseded,w2:superseded,w3:not_checked,w5:superseded,w5:superseded,w6:superseded,"
          "w7:superseded");
    // Checks written, changed and deleted by hand: the newest writer's, and
    // one naming an older writer (not_checked).
    record_checks(db);
    require_views_answer_their_questions(db);
    CHECK(db.scalar("SELECT count(DISTINCT verdict) >= 6 FROM v_output_audit") == "t");
    exec(db, "UPDATE output_checks SET http_status = 404 WHERE http_status = 200 AND "
             "object_name IN (SELECT object_name FROM output_checks ORDER BY 1 LIMIT 5)");
    exec(db, "UPDATE output_checks SET writer_job_id = 'someone-else' WHERE object_name IN "
             "(SELECT object_name FROM output_checks ORDER BY 1 DESC LIMIT 5)");
    require_views_answer_their_questions(db);
    exec(db, "DELETE FROM output_checks WHERE object_name IN "
             "(SELECT object_name FROM output_checks ORDER BY 1 LIMIT 10)");
    require_views_answer_their_questions(db);
    exec(db, "TRUNCATE output_checks");
    require_views_answer_their_questions(db);
    // What is documented as not carried: a hand UPDATE of jobs.state leaves
    // the files' job_state (the store rewrites a job's files with its row).
    exec(db, "UPDATE jobs SET state = 'Failed' WHERE job_id = 'w7'");
    CHECK(db.scalar("SELECT job_state FROM output_files WHERE job_id = 'w7'") == "Success");
}

// A database with history at migration 0022 (rows as the store wrote them
// before 0023) gets job_state and job_created from 0023's backfill, equal to
// what the store writes, and its views answer their questions.
TEST_CASE("output audit lean: migration 0023 backfills a database with history")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(300, 1903, kTags));
    ConfigSpec spec = spec_for(emulator);
    spec.tags = kTags;
    const jobsync::Config config = load_test_config(db, spec);
    REQUIRE(sync_once(config).failed == 0);
    record_checks(db);
    REQUIRE(db.count("output_files") > 100);

    const std::string old_schema = "before_0023";
    auto conn = db.connect();
    for (const jobsync::Migration& migration : jobsync::embedded_migrations()) {
        if (migration.name >= "0023") {
            break;
        }
        pqxx::work txn(*conn);
        txn.exec("CREATE SCHEMA IF NOT EXISTS " + old_schema);
        txn.exec("CREATE TABLE IF NOT EXISTS " + old_schema +
                 ".schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL "
                 "DEFAULT now())");
        txn.exec("SET LOCAL search_path TO " + jobsync::search_path_for(old_schema));
        txn.exec(migration.sql);
        txn.exec_params("INSERT INTO schema_migrations (name) VALUES ($1)", migration.name);
        txn.commit();
    }
    {
        pqxx::work txn(*conn);
        txn.exec("INSERT INTO " + old_schema + ".jobs SELECT * FROM ci.jobs");
        txn.exec("INSERT INTO " + old_schema +
                 ".output_files SELECT job_id, ordinal, kind, bucket, region, object_prefix, "
                 "object_name, md5 FROM ci.output_files");
        txn.exec("INSERT INTO " + old_schema + ".output_checks SELECT * FROM ci.output_checks");
        txn.commit();
    }
    // 0023 first, then whatever migrations came after it.
    const std::vector<std::string> applied = jobsync::apply_migrations(*conn, old_schema);
    REQUIRE_FALSE(applied.empty());
    CHECK(applied.front() == "0023_output_audit_lean.sql");
    // The backfilled columns equal what the store wrote.
    CHECK(differing_rows(db, kCarriedColumns,
                         "SELECT job_id, ordinal, job_state, job_created FROM ci.output_files",
                         old_schema) == 0);
    CHECK(db.scalar("SELECT count(*) FROM " + old_schema +
                    ".output_files WHERE job_created IS NULL") == "0");
    require_views_answer_their_questions(db, old_schema);
    CHECK(db.scalar("SELECT count(*) > 0 FROM " + old_schema +
                    ".v_output_audit WHERE verdict = 'superseded'") == "t");
    exec(db, "DROP SCHEMA " + old_schema + " CASCADE");
}
