// The views of migrations/0002_views.sql and every query of docs/queries.md,
// run on known rows (checked row by row) and on a synced emulator dataset
// (checked for consistency with the tables).
#include "jobsync/sync/sync_run.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace testing;

namespace {

struct DocQuery {
    std::string name;
    std::string sql;
};

// The ```sql blocks of docs/queries.md, each named by its "-- name:" line.
std::vector<DocQuery> doc_queries()
{
    std::ifstream file(std::string(PROJECT_SOURCE_DIR) + "/docs/queries.md");
    REQUIRE(file);
    std::vector<DocQuery> queries;
    std::string line;
    bool in_block = false;
    while (std::getline(file, line)) {
        if (!in_block && line == "```sql") {
            in_block = true;
            queries.push_back({});
        } else if (in_block && line == "```") {
            in_block = false;
        } else if (in_block && line.rfind("-- name: ", 0) == 0) {
            queries.back().name = line.substr(9);
        } else if (in_block) {
            queries.back().sql += line + "\n";
        }
    }
    return queries;
}

// Rows as "a|b|c" text ("NULL" for NULL), for comparisons that show the whole answer.
std::vector<std::string> rows_of(pqxx::connection& conn, const std::string& sql)
{
    pqxx::nontransaction txn(conn);
    const pqxx::result result = txn.exec(sql);
    std::vector<std::string> rows;
    for (const pqxx::row& row : result) {
        std::string text;
        for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
            text += (i == 0 ? "" : "|");
            text += row[i].is_null() ? "NULL" : row[i].c_str();
        }
        rows.push_back(text);
    }
    return rows;
}

// Yesterday at the given local time of day, as an SQL expression.
std::string yesterday_at(const std::string& time_of_day)
{
    return "(date_trunc('day', now()) - interval '1 day' + interval '" + time_of_day + "')";
}

struct KnownJob {
    std::string id, tag, queue, state, code, message;
    std::string created;     // SQL timestamptz expression
    int wait = -1, run = -1; // seconds; -1 => no start / no end time
    std::string input;
};

std::string values_of(const KnownJob& j)
{
    const std::string start =
        j.wait < 0 ? "NULL" : j.created + " + interval '" + std::to_string(j.wait) + " seconds'";
    const std::string end =
        j.run < 0 ? "NULL" : start + " + interval '" + std::to_string(j.run) + " seconds'";
    auto text = [](const std::string& s) { return s.empty() ? "NULL" : "'" + s + "'"; };
    return "(" + text(j.id) + ", 'media-1250000000', " + text(j.tag) + ", " + text(j.state) + ", " +
           text(j.code) + ", " + text(j.message) + ", " + j.created + ", " + start + ", " + end +
           ", " + text(j.queue) + ", 'media-1250000000', " + text(j.input) +
           ", '<JobsDetail/>', '\\x00')";
}

// Four workflow runs (of migration 0015) over the jobs below, and two batch
// jobs: w1 ran i01 (Success), i02 (Failed) and i03 (still Running); w2 ran i04
// (Failed at its second step); batch b1 started i01, i02 and i04.
void insert_known_workflow_rows(pqxx::work& txn)
{
    const std::string y10 = yesterday_at("10:00"), y12 = yesterday_at("12:00");
    const std::string y15 = yesterday_at("15:00"), h2 = "(now() - interval '2 hours')";
    txn.exec("INSERT INTO workflow_runs (run_id, bucket, workflow_id, workflow_name, object, "
             "state, create_time, batch_job_id, detail) VALUES "
             "('i01', 'media-1250000000', 'w1', 'pipeline', 'in/a.mp4', 'Success', " +
             y10 +
             ", 'b1', '<WorkflowExecution/>'), "
             "('i02', 'media-1250000000', 'w1', 'pipeline', 'in/c.mp4', 'Failed', " +
             y12 +
             ", 'b1', '<WorkflowExecution/>'), "
             "('i03', 'media-1250000000', 'w1', 'pipeline', 'in/f.mp4', 'Running', " +
             h2 +
             ", NULL, '<WorkflowExecution/>'), "
             "('i04', 'media-1250000000', 'w2', 'pipeline2', 'in/a.mp4', 'Failed', " +
             y15 + ", 'b1', '<WorkflowExecution/>')");
    const auto at = [](const std::string& base, int seconds) {
        return base + " + interval '" + std::to_string(seconds) + " seconds'";
    };
    txn.exec("INSERT INTO workflow_run_tasks (run_id, ordinal, node_name, type, job_id, state, "
             "code, message, create_time, start_time, end_time) VALUES "
             "('i01', 1, 'Transcode_1', 'Transcode', 'j01', 'Success', 'Success', NULL, " +
             y10 + ", " + at(y10, 30) + ", " + at(y10, 150) +
             "), "
             "('i01', 2, 'Snapshot_2', 'Snapshot', 'jx1', 'Success', 'Success', NULL, " +
             y10 + ", " + at(y10, 5) + ", " + at(y10, 100) +
             "), "
             "('i02', 1, 'Transcode_1', 'Transcode', 'j03', 'Failed', 'InvalidInput', "
             "'decode failed', " +
             y12 + ", " + at(y12, 10) + ", " + at(y12, 20) +
             "), "
             "('i02', 2, 'Snapshot_2', 'Snapshot', 'jx2', 'Success', 'Success', NULL, " +
             y12 + ", " + at(y12, 5) + ", " + at(y12, 30) +
             "), "
             "('i03', 1, 'Transcode_1', 'Transcode', 'j09', 'Running', 'Success', NULL, " +
             h2 + ", " + at(h2, 10) +
             ", NULL), "
             "('i04', 1, 'Transcode_1', 'Transcode', 'j06', 'Success', 'Success', NULL, " +
             y15 + ", " + at(y15, 90) + ", " + at(y15, 390) +
             "), "
             "('i04', 2, 'SmartCover_2', 'SmartCover', 'jx3', 'Failed', 'InvalidInput', "
             "'The input file is not a valid media file', " +
             y15 + ", " + at(y15, 5) + ", " + at(y15, 400) + ")");
    txn.exec("INSERT INTO batch_jobs (job_id, bucket, type, name, state, creation_time, detail) "
             "VALUES ('b1', 'media-1250000000', 'Workflow', 'backfill', 'Running', " +
             yesterday_at("09:00") +
             ", '<JobsDetail/>'), "
             "('b2', 'media-1250000000', 'Job', 'retranscode', 'Success', " +
             yesterday_at("08:00") + ", '<JobsDetail/>')");
}

// Eleven jobs whose every view row and query answer is worked out by hand below.
void insert_known_rows(pqxx::connection& conn)
{
    const std::string y10 = "(date_trunc('day', now()) - interval '11 days' + interval '9 hours')";
    const std::vector<KnownJob> jobs{
        {"j01", "Transcode", "qA", "Success", "Success", "", yesterday_at("10:00"), 30, 120,
         "in/a.mp4"},
        {"j02", "Transcode", "qA", "Success", "Success", "", yesterday_at("11:00"), 60, 240,
         "in/b.mp4"},
        {"j03", "Transcode", "qB", "Failed", "InvalidInput", "decode failed", yesterday_at("12:00"),
         10, 10, "in/c.mp4"},
        {"j04", "Transcode", "qA", "Failed", "InvalidInput", "decode failed", yesterday_at("13:00"),
         20, 5, "in/d.mp4"},
        {"j05", "Snapshot", "qB", "Failed", "InternalError", "internal error",
         yesterday_at("14:00"), 5, 1, "in/a.mp4"},
        {"j06", "Transcode", "qA", "Success", "Success", "", yesterday_at("15:00"), 90, 300,
         "in/a.mp4"},
        {"j07", "Transcode", "qA", "Success", "Success", "", yesterday_at("16:00"), 0, 60,
         "in/e.mp4"},
        {"j08", "Snapshot", "qB", "Success", "Success", "", yesterday_at("17:00"), 5, 5,
         "in/b.mp4"},
        {"j09", "Transcode", "qA", "Running", "Success", "", "(now() - interval '2 hours')", 10, -1,
         "in/f.mp4"},
        {"j10", "Transcode", "qA", "Submitted", "Success", "", "(now() - interval '5 minutes')", -1,
         -1, "in/g.mp4"},
        {"j11", "Transcode", "qA", "Failed", "InvalidInput", "decode failed", y10, 2, 5,
         "in/h.mp4"},
    };
    std::string sql = "INSERT INTO jobs (job_id, bucket, tag, state, code, message, "
                      "creation_time, start_time, end_time, queue_id, input_bucket, input_object, "
                      "detail, detail_hash) VALUES ";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        sql += (i == 0 ? "" : ", ") + values_of(jobs[i]);
    }
    pqxx::work txn(conn);
    txn.exec(sql);
    txn.exec("INSERT INTO job_outputs (job_id, ordinal, bucket, region, object) VALUES "
             "('j01', 0, 'media-1250000000', 'ap-guangzhou', 'out/a.mp4'), "
             "('j06', 0, 'media-1250000000', 'ap-guangzhou', 'out/a.mp4')");
    // out/a.mp4 written twice with different MD5s; out/e.mp4 without one;
    // out/b.mp4 and out/snap.jpg with the same content (in different case).
    txn.exec("INSERT INTO output_files (job_id, ordinal, kind, bucket, object_name, md5) VALUES "
             "('j01', 0, 'main', 'media-1250000000', 'out/a.mp4', 'aaaa'), "
             "('j02', 0, 'main', 'media-1250000000', 'out/b.mp4', 'bbbb'), "
             "('j06', 0, 'main', 'media-1250000000', 'out/a.mp4', 'cccc'), "
             "('j07', 0, 'main', 'media-1250000000', 'out/e.mp4', NULL), "
             "('j08', 0, 'main', 'media-1250000000', 'out/snap.jpg', 'BBBB')");
    // Each file carries its job's state and creation time, as the job store
    // writes them (migration 0023).
    txn.exec("UPDATE output_files f SET job_state = j.state, job_created = j.creation_time "
             "FROM jobs j WHERE j.job_id = f.job_id");
    // The audit's checks (migrations/0013): out/a.mp4 gone (j01's row is
    // superseded by j06's), out/b.mp4 overwritten, out/e.mp4 there (no MD5
    // reported), out/snap.jpg a multipart upload (nothing to compare).
    txn.exec("INSERT INTO output_checks (bucket, object_name, region, checked_at, http_status, "
             "\"exists\", etag, writer_job_id, reported_md5) VALUES "
             "('media-1250000000', 'out/a.mp4', 'ap-guangzhou', now(), 404, false, NULL, "
             "'j06', 'cccc'), "
             "('media-1250000000', 'out/b.mp4', 'ap-guangzhou', now(), 200, true, "
             "'0123456789ABCDEF0123456789abcdef', 'j02', 'bbbb'), "
             "('media-1250000000', 'out/e.mp4', 'ap-guangzhou', now(), 200, true, "
             "'0123456789abcdef0123456789abcdef', 'j07', NULL), "
             "('media-1250000000', 'out/snap.jpg', 'ap-guangzhou', now(), 200, true, "
             "'0123456789abcdef0123456789abcdef-3', 'j08', 'BBBB')");
    txn.exec("INSERT INTO media_info (job_id, duration, size) VALUES "
             "('j01', 3600, 1000), ('j02', 1800, 500)");
    txn.exec("INSERT INTO sync_checkpoints (bucket, tag, queue_id, cursor, last_status, "
             "last_error) VALUES "
             "('media-1250000000', 'Transcode', '', now() - interval '5 minutes', 'ok', NULL), "
             "('media-1250000000', 'Snapshot', '', now() - interval '3 hours', 'failed', "
             "'HTTP 403 AccessDenied')");
    insert_known_workflow_rows(txn);
    txn.commit();
}

// In expected rows: "{y}" and "{d11}" are yesterday's and 11 days ago's dates,
// "{yqa}" the jobs of yesterday's Transcode qA (j09 and j10 are, just after midnight).
std::vector<std::string> expand_dates(pqxx::connection& conn, std::vector<std::string> rows)
{
    const std::vector<std::string> dates = rows_of(
        conn, "SELECT current_date - 1, current_date - 11, (SELECT count(*) FROM v_jobs "
              "WHERE local_date = current_date - 1 AND tag = 'Transcode' AND queue_id = 'qA')");
    const std::string y = dates.at(0).substr(0, 10), d11 = dates.at(0).substr(11, 10);
    const std::string yqa = dates.at(0).substr(22);
    for (std::string& row : rows) {
        for (const auto& [key, value] :
             {std::pair{std::string("{y}"), y}, {"{d11}", d11}, {"{yqa}", yqa}}) {
            for (auto at = row.find(key); at != std::string::npos; at = row.find(key)) {
                row.replace(at, key.size(), value);
            }
        }
    }
    return rows;
}

} // namespace

TEST_CASE("views: v_jobs, v_daily_job_stats, v_output_md5_audit, v_failed_jobs and "
          "v_workflow_runs on known rows")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    auto conn = db.connect();
    insert_known_rows(*conn);

    CHECK(rows_of(*conn, "SELECT job_id, local_date, queue_wait_seconds, run_seconds, "
                         "total_seconds, input_object, output_object, output_file, output_md5, "
                         "media_duration_seconds FROM v_jobs WHERE job_id IN ('j01','j07','j09') "
                         "ORDER BY job_id") ==
          expand_dates(*conn, {"j01|{y}|30.000000|120.000000|150.000000|in/a.mp4|out/a.mp4|"
                               "out/a.mp4|aaaa|3600",
                               "j07|{y}|0.000000|60.000000|60.000000|in/e.mp4|NULL|out/e.mp4|"
                               "NULL|NULL",
                               "j09|" + db.scalar("SELECT (now() - interval '2 hours')::date") +
                                   "|10.000000|NULL|NULL|in/f.mp4|NULL|NULL|NULL|NULL"}));
    CHECK(db.count("v_jobs") == 11);
    // One row per run, its counts and duration from its tasks.
    CHECK(rows_of(*conn, "SELECT run_id, workflow_id, object, state, tasks, tasks_succeeded, "
                         "tasks_failed, tasks_running, duration_seconds FROM v_workflow_runs "
                         "ORDER BY run_id") ==
          std::vector<std::string>{"i01|w1|in/a.mp4|Success|2|2|0|0|150.000000",
                                   "i02|w1|in/c.mp4|Failed|2|1|1|0|30.000000",
                                   "i03|w1|in/f.mp4|Running|1|0|0|1|NULL",
                                   "i04|w2|in/a.mp4|Failed|2|1|1|0|400.000000"});

    CHECK(rows_of(*conn, "SELECT day, tag, queue_id, state, jobs, day_jobs, failure_rate, "
                         "p50_run_seconds, p95_run_seconds, p95_queue_wait_seconds "
                         "FROM v_daily_job_stats WHERE state IN ('Success', 'Failed') "
                         "ORDER BY day, tag, queue_id, state") ==
          expand_dates(*conn, {"{d11}|Transcode|qA|Failed|1|1|1.0000|5.000|5.000|2.000",
                               "{y}|Snapshot|qB|Failed|1|2|0.5000|1.000|1.000|5.000",
                               "{y}|Snapshot|qB|Success|1|2|0.5000|5.000|5.000|5.000",
                               "{y}|Transcode|qA|Failed|1|{yqa}|0.2000|5.000|5.000|20.000",
                               "{y}|Transcode|qA|Success|4|{yqa}|0.2000|180.000|291.000|85.500",
                               "{y}|Transcode|qB|Failed|1|1|1.0000|10.000|10.000|10.000"}));

    CHECK(rows_of(*conn, "SELECT object_name, job_id, md5, writer_jobs, distinct_md5s, "
                         "objects_with_same_md5, missing_md5, md5_differs, md5_shared, flagged "
                         "FROM v_output_md5_audit ORDER BY object_name, job_id") ==
          std::vector<std::string>{
              "out/a.mp4|j01|aaaa|2|2|1|f|t|f|t", "out/a.mp4|j06|cccc|2|2|1|f|t|f|t",
              "out/b.mp4|j02|bbbb|1|1|2|f|f|t|t", "out/e.mp4|j07|NULL|1|0|0|t|f|f|t",
              "out/snap.jpg|j08|BBBB|1|1|2|f|f|t|t"});

    CHECK(
        rows_of(*conn, "SELECT tag, code, message, failures, queues, latest_job_ids, "
                       "latest_input_object FROM v_failed_jobs ORDER BY failures DESC, tag") ==
        std::vector<std::string>{"Transcode|InvalidInput|decode failed|3|2|{j04,j03,j11}|in/d.mp4",
                                 "Snapshot|InternalError|internal error|1|1|{j05}|in/a.mp4"});
}

TEST_CASE("views: every query of docs/queries.md returns the rows expected on known rows")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    auto conn = db.connect();
    insert_known_rows(*conn);
    const std::string y = db.scalar("SELECT current_date - 1");
    const std::string end_j01 = db.scalar("SELECT end_time FROM jobs WHERE job_id = 'j01'");
    const std::string end_j06 = db.scalar("SELECT end_time FROM jobs WHERE job_id = 'j06'");
    const std::string created_j09 =
        db.scalar("SELECT creation_time FROM jobs WHERE job_id = 'j09'");
    const std::string created_b1 =
        db.scalar("SELECT creation_time FROM batch_jobs WHERE job_id = 'b1'");

    const std::map<std::string, std::vector<std::string>> expected{
        {"failed_transcodes_yesterday",
         {"j03|qB|InvalidInput|decode failed|in/c.mp4",
          "j04|qA|InvalidInput|decode failed|in/d.mp4"}},
        // qA waits 0, 10 (j09), 20, 30, 60, 90; qB 5, 5, 10.
        {"queue_wait_per_queue_7d", {"qA|6|25.0|82.5", "qB|3|5.0|9.5"}},
        {"outputs_whose_md5_changed",
         {"media-1250000000|out/a.mp4|j01|aaaa|" + end_j01,
          "media-1250000000|out/a.mp4|j06|cccc|" + end_j06}},
        {"daily_outcomes_30d",
         expand_dates(*conn, {"{d11}|Transcode|NULL|1|1.000", "{y}|Snapshot|1|1|0.500",
                              "{y}|Transcode|4|2|0.333"})},
        {"top_failure_reasons_7d",
         {"Transcode|InvalidInput|decode failed|2|j04",
          "Snapshot|InternalError|internal error|1|j05"}},
        {"slowest_transcodes_7d",
         {"j06|qA|in/a.mp4|300.000000", "j02|qA|in/b.mp4|240.000000", "j01|qA|in/a.mp4|120.000000",
          "j07|qA|in/e.mp4|60.000000"}},
        {"stuck_jobs", {"j09|Transcode|qA|Running|" + created_j09}},
        {"inputs_transcoded_twice", {"media-1250000000|in/a.mp4|2|{j01,j06}|2"}},
        {"media_hours_per_day_30d", {y + "|4|1.50"}},
        {"missing_outputs_7d", {"j06|Transcode|media-1250000000|out/a.mp4"}},
        {"mismatches_by_tag", {"Transcode|1|1"}},
        {"unverifiable_share_by_bucket", {"media-1250000000|2|1|0.500"}},
        {"upload_pipeline_status",
         {"i04|pipeline2|Failed|2|1|1|0|400.000000|SmartCover_2 InvalidInput: The input file is "
          "not a valid media file",
          "i01|pipeline|Success|2|2|0|0|150.000000|NULL"}},
        {"workflow_failure_rate_30d", {"w2|pipeline2|1|1|1.000|0", "w1|pipeline|2|1|0.500|1"}},
        {"batch_progress", {"b1|backfill|Running|" + created_b1 + "|3|1|2|0"}},
        {"partition_freshness",
         {"media-1250000000|Snapshot||180|failed|HTTP 403 AccessDenied",
          "media-1250000000|Transcode||5|ok|NULL"}},
        // j11 (11 days ago) is outside the week; j09 and j10 are unfinished.
        {"failure_rate_per_tag_queue_7d",
         {"Transcode|qB|0|1|1.000", "Snapshot|qB|1|1|0.500", "Transcode|qA|4|1|0.200"}},
        {"input_file_history",
         {"j01|Transcode|Success|out/a.mp4|aaaa", "j05|Snapshot|Failed|NULL|NULL",
          "j06|Transcode|Success|out/a.mp4|cccc"}},
        {"output_object_writers",
         {"j01|Transcode|Success|aaaa|2|2", "j06|Transcode|Success|cccc|2|2"}},
        {"flagged_outputs", {"5|1|2|2"}},
        {"failures_by_tag", {"Transcode|3", "Snapshot|1"}},
    };

    const std::vector<DocQuery> queries = doc_queries();
    CHECK(queries.size() == expected.size());
    for (const DocQuery& query : queries) {
        INFO(query.name << ":\n" << query.sql);
        const auto wanted = expected.find(query.name);
        REQUIRE(wanted != expected.end());
        CHECK(rows_of(*conn, query.sql) == wanted->second);
    }
}

TEST_CASE("views: on a synced emulator dataset they agree with the tables")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(400, 6, {"Transcode", "Snapshot"}));
    const jobsync::Config config = load_test_config(db, spec_for(emulator));
    const jobsync::SyncSummary summary = jobsync::run_sync(config, {}, nullptr);
    REQUIRE(summary.failed == 0);
    REQUIRE(db.count("jobs") == 400);

    CHECK(db.count("v_jobs") == 400);
    CHECK(db.scalar("SELECT sum(jobs) FROM v_daily_job_stats") == "400");
    CHECK(db.count("v_output_md5_audit") == db.count("output_files"));
    CHECK(db.scalar("SELECT coalesce(sum(failures), 0) FROM v_failed_jobs") ==
          db.scalar("SELECT count(*) FROM jobs WHERE state = 'Failed'"));
    CHECK(db.scalar("SELECT count(*) FROM v_jobs WHERE state = 'Success' AND "
                    "(run_seconds < 0 OR queue_wait_seconds < 0)") == "0");
    CHECK(db.scalar("SELECT count(*) FROM v_jobs WHERE output_file IS NOT NULL") ==
          db.scalar("SELECT count(DISTINCT job_id) FROM output_files WHERE kind = 'main'"));

    auto conn = db.connect();
    for (const DocQuery& query : doc_queries()) {
        INFO(query.name);
        CHECK_NOTHROW(rows_of(*conn, query.sql));
    }
}
