// Hostile input against a real PostgreSQL: a job the database refuses goes to
// quarantine and the walk goes on; server text that is not valid UTF-8 or
// holds terminal escapes still gets the failure recorded, readably.
#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/db/job_store.hpp"
#include "support/canned_server.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

using namespace testing;

namespace {

const std::string kBucket = "examplebucket-1250000000";
const std::string kReplacement = "\xEF\xBF\xBD";                         // U+FFFD
const std::string kGbkAccessDenied = "\xBE\xDC\xBE\xF8\xB7\xC3\xCE\xCA"; // 拒绝访问 in GBK

std::string job_xml(const std::string& id, const std::string& message,
                    const std::string& created = "2024-01-01T08:00:00+0800")
{
    return "<JobsDetail><Code>Success</Code><Message>" + message + "</Message><JobId>" + id +
           "</JobId><Tag>Transcode</Tag><State>Success</State><CreationTime>" + created +
           "</CreationTime><QueueId>p1</QueueId></JobsDetail>";
}

std::string page_xml(const std::vector<std::string>& jobs, const std::string& next_token)
{
    std::string body = "<Response>";
    for (const std::string& job : jobs) {
        body += job;
    }
    return body + "<NextToken>" + next_token + "</NextToken></Response>";
}

CannedResponse ok_page(const std::vector<std::string>& jobs, const std::string& next_token)
{
    return {"200 OK", "application/xml", page_xml(jobs, next_token)};
}

// Letters and digits that do not compress: PostgreSQL cannot index 10 KB of them.
std::string incompressible_id(std::size_t length)
{
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::mt19937 random(42);
    std::string id = "j-huge-";
    while (id.size() < length) {
        id += kAlphabet[random() % (sizeof kAlphabet - 1)];
    }
    return id;
}

bool is_valid_utf8_without_controls(const std::string& text)
{
    return jobsync::sanitize_text(text) == text;
}

jobsync::JobRecord record(std::string_view id, std::string_view detail,
                          jobsync::OptText message = std::nullopt)
{
    jobsync::JobRecord job;
    job.job_id = id;
    job.tag = "Transcode";
    job.state = std::string_view("Success");
    job.message = message;
    job.creation_time = 1704067200;
    job.detail_xml = detail;
    return job;
}

} // namespace

TEST_CASE("hostile input: the store quarantines the job the database refuses, not the page")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    jobsync::SourceConfig source;
    source.bucket = kBucket;
    const jobsync::Partition partition{&source, "Transcode", "p1"};
    jobsync::JobStore store;
    const auto write = [&](const std::vector<jobsync::JobRecord>& jobs,
                           const std::vector<jobsync::RejectedJob>& rejected = {}) {
        auto conn = db.connect();
        pqxx::work txn(*conn);
        const jobsync::PageWriteResult result = store.write_page(txn, partition, jobs, rejected);
        txn.commit();
        return result;
    };

    const std::string good_detail = "<JobsDetail><JobId>good</JobId></JobsDetail>";
    const std::string bad_message = "bad \xBE\xDC bytes";
    const std::string bad_detail =
        "<JobsDetail><JobId>bad</JobId><Message>" + bad_message + "</Message></JobsDetail>";
    jobsync::JobRecord huge_progress = record("huge", "<JobsDetail>huge</JobsDetail>");
    huge_progress.progress = 99999999999LL; // passes the parser; jobs.progress is an int
    const std::vector<jobsync::JobRecord> page{
        record("good", good_detail), record("bad", bad_detail, bad_message), huge_progress};

    const jobsync::PageWriteResult first = write(page);
    CHECK(first.inserted == 1);
    CHECK(first.quarantined == 2);
    CHECK(db.scalar("SELECT string_agg(job_id, ',') FROM jobs") == "good");
    CHECK(db.count("quarantine") == 2);
    CHECK(db.scalar("SELECT string_agg(tag || '/' || queue_id, ',') FROM quarantine") ==
          "Transcode/p1,Transcode/p1");
    // The exact bytes, even those PostgreSQL cannot hold as text.
    CHECK(db.scalar("SELECT encode(raw, 'hex') FROM quarantine WHERE job_id = 'bad'") ==
          db.scalar("SELECT encode(decode('" + jobsync::bytea_literal(bad_detail).substr(2) +
                    "', 'hex'), 'hex')"));
    CHECK_THAT(db.scalar("SELECT error FROM quarantine WHERE job_id = 'bad'"),
               Catch::Contains("the database refused the job") && Catch::Contains("UTF8"));
    CHECK_THAT(db.scalar("SELECT error FROM quarantine WHERE job_id = 'huge'"),
               Catch::Contains("out of range"));

    SECTION("seen again: counted, not duplicated")
    {
        CHECK(write(page).quarantined == 2);
        CHECK(db.count("quarantine") == 2);
        CHECK(db.scalar("SELECT sum(times_seen) FROM quarantine") == "4");
    }
    SECTION("a clean arrival leaves quarantine")
    {
        const std::string clean_detail = "<JobsDetail><JobId>bad</JobId></JobsDetail>";
        const jobsync::PageWriteResult clean = write({record("bad", clean_detail)});
        CHECK(clean.inserted == 1);
        CHECK(clean.quarantined == 0);
        CHECK(db.scalar("SELECT string_agg(job_id, ',') FROM quarantine") == "huge");
    }
    SECTION("a child row the database refuses takes its whole job to quarantine")
    {
        const std::string wide_detail = "<JobsDetail><JobId>wide</JobId></JobsDetail>";
        jobsync::JobRecord wide = record("wide", wide_detail);
        jobsync::MediaStream stream{"video", {}};
        stream.values[11] = std::string_view("99999999999"); // Width: media_streams.width is an int
        REQUIRE(jobsync::kMediaStreamFields[11].element == "Width");
        wide.streams.push_back(stream);
        const jobsync::PageWriteResult result = write({wide, record("good", good_detail)});
        CHECK(result.quarantined == 1);
        CHECK(result.unchanged == 1);
        CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id = 'wide'") == "0");
        CHECK(db.count("media_streams") == 0);
        CHECK(db.scalar("SELECT count(*) FROM quarantine WHERE job_id = 'wide'") == "1");
    }
    SECTION("jobs the parser rejected go to quarantine with the page stored")
    {
        const std::string raw = "<JobsDetail><JobId>odd</JobId><CreationTime>x</CreationTime>"
                                "</JobsDetail>";
        const std::string raw_without_id = "<JobsDetail><Tag>Transcode</Tag></JobsDetail>";
        const jobsync::PageWriteResult result =
            write({record("good", good_detail)}, {{"odd", raw, "CreationTime 'x' is not a time"},
                                                  {"", raw_without_id, "has no JobId"}});
        CHECK(result.unchanged == 1);
        CHECK(result.quarantined == 2);
        CHECK(db.scalar("SELECT error FROM quarantine WHERE job_id = 'odd'") ==
              "CreationTime 'x' is not a time");
        CHECK(db.scalar("SELECT convert_from(raw, 'UTF8') FROM quarantine WHERE job_id = ''") ==
              raw_without_id);
    }
}

TEST_CASE("hostile input: a bad job on page 2 is quarantined; the walk completes and moves on")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    CannedServer server;
    ConfigSpec spec;
    spec.endpoint = server.endpoint();
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);

    const std::string huge_id = incompressible_id(10 * 1024);
    const std::vector<std::string> page_two{job_xml(huge_id, "fine"),
                                            job_xml("j-bad-text", "GBK " + kGbkAccessDenied),
                                            job_xml("j3", "fine")};
    server.respond(ok_page({job_xml("j1", "fine"), job_xml("j2", "fine")}, "t2"));
    server.respond_when("nextToken=t2", ok_page(page_two, ""));

    const ProcessResult first = run_jobsync({"--config", config_path, "sync"});
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(server.requests() == 2);
    // The parser turns the GBK Message into NULL with a warning, so that job is
    // stored; the 10 KB JobId cannot be, and is quarantined.
    CHECK(db.scalar("SELECT string_agg(job_id, ',' ORDER BY job_id) FROM jobs") ==
          "j-bad-text,j1,j2,j3");
    CHECK(db.scalar("SELECT message IS NULL FROM jobs WHERE job_id = 'j-bad-text'") == "t");
    CHECK(db.count("quarantine") == 1);
    CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "ok");
    const std::string cursor = db.scalar("SELECT cursor::text FROM sync_checkpoints");
    CHECK_FALSE(cursor.empty());
    CHECK(db.scalar("SELECT walk_window_end FROM sync_checkpoints").empty());
    CHECK(db.scalar("SELECT status || ' ' || jobs_quarantined FROM sync_runs") == "ok 1");
    CHECK_THAT(first.output, Catch::Contains("quarantined=1"));
    // The huge id is kept whole in raw, readable (cut, with its key) in job_id.
    CHECK(db.scalar("SELECT octet_length(raw) > 10240 AND octet_length(job_id) <= 256 + 72 "
                    "FROM quarantine WHERE job_id LIKE 'j-huge-%'") == "t");
    // Each outcome logged as what it is, naming the job, partition and field.
    CHECK_THAT(first.output,
               Catch::Contains("msg=\"job field cannot be stored; the job is stored with it "
                               "NULL\" partition=" +
                               kBucket + "/Transcode/* job_id=j-bad-text field=Message"));
    CHECK_THAT(first.output, Catch::Contains("msg=\"job cannot be stored; quarantined\" "
                                             "partition=" +
                                             kBucket + "/Transcode/* job_id=j-huge-"));

    const ProcessResult status = run_jobsync({"--config", config_path, "status", "--json"});
    REQUIRE(status.exit_code == 0);
    const nlohmann::json report =
        nlohmann::json::parse(status.output.substr(status.output.find('{')));
    CHECK(report["quarantined_jobs_total"] == 1);
    CHECK(report["partitions"][0]["quarantined_jobs"] == 1);
    const ProcessResult table = run_jobsync({"--config", config_path, "status"});
    CHECK_THAT(table.output, Catch::Contains("QUARANTINED") &&
                                 Catch::Contains("QUARANTINE: 1 jobs could not be stored"));

    SECTION("the next run walks once more and is not held back")
    {
        const ProcessResult second = run_jobsync({"--config", config_path, "sync"});
        INFO(second.output);
        CHECK(second.exit_code == 0);
        CHECK(server.requests() == 4);
        CHECK(db.scalar("SELECT cursor::text FROM sync_checkpoints") >= cursor);
        CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "ok");
        CHECK(db.scalar("SELECT sum(times_seen) FROM quarantine") == "2");
    }
    SECTION("a clean re-arrival replaces the NULLed field")
    {
        server.respond(ok_page({job_xml("j1", "fine"), job_xml("j2", "fine")}, "t2"));
        server.respond_when("nextToken=t2",
                            ok_page({job_xml("j-bad-text", "now UTF-8: \xE6\x8B\x92")}, ""));
        const ProcessResult clean = run_jobsync({"--config", config_path, "sync"});
        INFO(clean.output);
        CHECK(clean.exit_code == 0);
        CHECK(db.scalar("SELECT message FROM jobs WHERE job_id = 'j-bad-text'") ==
              "now UTF-8: \xE6\x8B\x92");
        CHECK(db.count("quarantine") == 1); // the huge id stays: it was not seen again
    }
}

TEST_CASE("hostile input: server text that is not UTF-8 or holds escapes is recorded readably")
{
    TempDatabase& db = shared_database();
    CannedServer server;
    ConfigSpec spec;
    spec.endpoint = server.endpoint();
    spec.tags = {"Transcode"};
    spec.sync_extra = "max_attempts = 1\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);

    struct TextCase {
        const char* name;
        CannedResponse response;
        std::vector<std::string> expected; // in the stored last_error
    };
    // clang-format off
    const std::vector<TextCase> cases{
        {"a GBK HTML 403 from a proxy with a raw request id",
         {"403 Forbidden", "text/html; charset=gbk",
          "<html><title>\x1b[31m403 " + kGbkAccessDenied + "\x1b[0m</title></html>",
          "req-\xBE\xDC-\x1b]0;pwned\x07"},
         {"HTTP 403", "non-XML body (text/html; charset=gbk): <html><title>\\u001b[31m403 " +
              kReplacement, "req-" + kReplacement}},
        {"an excerpt cut inside a character", {"403 Forbidden", "text/html",
          std::string(150, 'x') + "\xE6\x8B\x92\xE7\xBB\x9D\xE8\xAE\xBF\xE9\x97\xAE" +
              std::string(100, 'y')},
         {std::string(150, 'x') + "\xE6\x8B\x92\xE7\xBB\x9D" + "..."}},
    };
    // clang-format on
    for (const TextCase& bad : cases) {
        SECTION(bad.name)
        {
            db.truncate_all();
            server.respond(bad.response);
            const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
            INFO(run.output);
            CHECK(run.exit_code == 1);
            CHECK(run.output.find('\x1b') == std::string::npos);
            CHECK(is_valid_utf8_without_controls(run.output.substr(0, run.output.find('\n'))));

            CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "failed");
            const std::string error = db.scalar("SELECT last_error FROM sync_checkpoints");
            CHECK(is_valid_utf8_without_controls(error));
            for (const std::string& expected : bad.expected) {
                INFO(expected);
                CHECK(error.find(expected) != std::string::npos);
            }
            CHECK(db.scalar("SELECT status FROM sync_runs") == "failed");
            CHECK(db.scalar("SELECT errors IS NOT NULL FROM sync_runs") == "t");
            CHECK(db.scalar("SELECT finished_at IS NOT NULL FROM sync_runs") == "t");

            for (const std::vector<std::string>& args :
                 {std::vector<std::string>{"--config", config_path, "status"},
                  std::vector<std::string>{"--config", config_path, "status", "--json"}}) {
                const ProcessResult status = run_jobsync(args);
                INFO(status.output);
                CHECK(status.exit_code == 0);
                CHECK(status.output.find('\x1b') == std::string::npos);
                CHECK(status.output.find('\x07') == std::string::npos);
                CHECK(status.output.find("HTTP 403") != std::string::npos);
            }
        }
    }
}

TEST_CASE("hostile input: a too-long JobId is quarantined under its whole id's hash in every "
          "run; a job rejected for another field leaves quarantine when it arrives clean")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    CannedServer server;
    ConfigSpec spec;
    spec.endpoint = server.endpoint();
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);

    // Two 10 KB ids that differ only in their last character: any key made
    // of a prefix of the id alone would put them in one row.
    const std::string huge_a = incompressible_id(10 * 1024);
    const std::string huge_b = huge_a.substr(0, huge_a.size() - 1) + "#";
    const auto page = [&](const std::string& late_created) {
        return ok_page({job_xml(huge_a, "fine"), job_xml("j-late", "fine", late_created),
                        job_xml(huge_b, "fine"), job_xml("j1", "fine")},
                       "");
    };
    const auto sync = [&] {
        const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
        INFO(run.output);
        CHECK(run.exit_code == 0);
        return run;
    };
    const std::string keys_query =
        "SELECT string_agg(encode(job_id_sha256, 'hex'), ',' ORDER BY job_id_sha256) "
        "FROM quarantine WHERE job_id LIKE 'j-huge-%'";
    const auto key_of = [&](const std::string& id) {
        return db.scalar("SELECT encode(sha256(convert_to('" + id + "', 'UTF8')), 'hex')");
    };

    server.respond(page("yesterday"));
    const ProcessResult first = sync();
    CHECK(db.scalar("SELECT string_agg(job_id, ',') FROM jobs") == "j1");
    CHECK(db.count("quarantine") == 3);
    const std::string keys = db.scalar(keys_query);
    const std::string key_a = key_of(huge_a);
    const std::string key_b = key_of(huge_b);
    CHECK(key_a != key_b);
    CHECK(keys == std::min(key_a, key_b) + "," + std::max(key_a, key_b));
    // Readable, and apart for people too: the cut id ends in its key.
    CHECK(db.scalar("SELECT count(DISTINCT job_id) FROM quarantine "
                    "WHERE job_id LIKE 'j-huge-%' AND job_id LIKE '%... sha256:' || "
                    "encode(job_id_sha256, 'hex')") == "2");
    CHECK(db.scalar("SELECT job_id FROM quarantine WHERE job_id LIKE 'j-late%'") == "j-late");
    CHECK_THAT(first.output, Catch::Contains("msg=\"job cannot be stored; quarantined\"") &&
                                 Catch::Contains("job_id=j-late field=CreationTime"));

    SECTION("seen again: the same rows, the same keys")
    {
        sync();
        CHECK(db.count("quarantine") == 3);
        CHECK(db.scalar(keys_query) == keys);
        CHECK(db.scalar("SELECT string_agg(times_seen::text, ',') FROM quarantine") == "2,2,2");
    }
    SECTION("the rejected job arrives clean and leaves quarantine; the huge ids stay")
    {
        server.respond(page("2024-01-01T08:00:00+0800"));
        sync();
        CHECK(db.scalar("SELECT string_agg(job_id, ',' ORDER BY job_id) FROM jobs") == "j-late,j1");
        CHECK(db.count("quarantine") == 2);
        CHECK(db.scalar(keys_query) == keys);
    }
}
