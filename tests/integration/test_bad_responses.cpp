// Bad HTTP answers the emulator cannot give (HTML from a proxy, JSON, empty
// bodies, oversize, broken or too deep XML): each fails the partition with a
// specific message and exit 1, and moves no checkpoint and no job. A job the
// database cannot take is rejected alone; the rest of its page lands.
#include "support/canned_server.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace testing;

namespace {

const std::string kEmptyPage = "<Response><JobsDetail/><NextToken></NextToken></Response>";

// A page whose elements nest depth levels below Response.
std::string nested_page(int depth)
{
    std::string tags;
    for (int i = 0; i < depth; ++i) {
        tags += "<a>";
    }
    for (int i = 0; i < depth; ++i) {
        tags += "</a>";
    }
    return "<Response>" + tags + "</Response>";
}

struct BadCase {
    const char* name;
    const char* status_line;
    const char* content_type;
    std::string body;
    std::vector<std::string> expected; // substrings of the message and last_error
    bool retried;                      // whether more than one request is made
};

} // namespace

TEST_CASE("bad responses: each fails the partition clearly and moves nothing")
{
    TempDatabase& db = shared_database();
    CannedServer server;
    ConfigSpec spec;
    spec.endpoint = server.endpoint();
    spec.tags = {"Transcode"};
    spec.sync_extra = "max_attempts = 2\nmax_response_bytes = 4096\n";
    std::string config_path;
    load_test_config(db, spec, &config_path);

    // One case per entry reads better than one field per line.
    // clang-format off
    const std::vector<BadCase> cases{
        {"HTML from a proxy", "502 Bad Gateway", "text/html",
         "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
         {"HTTP 502", "non-XML body (text/html): <html>", "giving up after 2 attempts",
          "canned-request-1"},
         true},
        {"HTML 200 from a captive portal", "200 OK", "text/html",
         "<html><body><p>Please log in</p></body></html>",
         {"GET /jobs tag=Transcode", "response root is <html>", "canned-request-1"}, false},
        {"empty 200", "200 OK", "application/xml", "",
         {"empty 200 response", "giving up after 2 attempts"}, true},
        {"JSON error body", "403 Forbidden", "application/json", "{\"error\": \"denied\"}",
         {"HTTP 403", "non-XML body (application/json)", "denied"}, false},
        {"CI error document, not retried", "404 Not Found", "application/xml",
         "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist."
         "</Message><RequestId>NjQ4bucket</RequestId></Error>",
         {"HTTP 404 NoSuchBucket", "The specified bucket does not exist", "NjQ4bucket"}, false},
        {"XML that is not well-formed", "200 OK", "application/xml",
         "<Response><JobsDetail><JobId>j1</JobId></Response>",
         {"malformed XML in /jobs response", "giving up after 2 attempts"}, true},
        {"XML nested deeper than 256 levels", "200 OK", "application/xml",
         nested_page(300),
         {"XML response too deep: elements nest more than 256 levels"}, false},
        {"a response over max_response_bytes", "200 OK", "application/xml",
         "<Response>" + std::string(8192, ' ') + "</Response>",
         {"exceeds the limit of 4096 bytes (sync.max_response_bytes)"}, false},
    };
    // clang-format on
    for (const BadCase& bad : cases) {
        SECTION(bad.name)
        {
            db.truncate_all();
            server.respond("200 OK", "application/xml", kEmptyPage);
            REQUIRE(run_jobsync({"--config", config_path, "sync"}).exit_code == 0);
            const std::string cursor = db.scalar("SELECT cursor::text FROM sync_checkpoints");
            REQUIRE_FALSE(cursor.empty());

            server.respond(bad.status_line, bad.content_type, bad.body);
            const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
            INFO(run.output);
            CHECK(run.exit_code == 1);
            CHECK(run.output.find(kTestSecretKey) == std::string::npos);
            const std::string error = db.scalar("SELECT last_error FROM sync_checkpoints");
            for (const std::string& expected : bad.expected) {
                INFO(expected);
                CHECK(run.output.find(expected) != std::string::npos);
                CHECK(error.find(expected) != std::string::npos);
            }
            CHECK(db.scalar("SELECT cursor::text FROM sync_checkpoints") == cursor);
            CHECK(db.scalar("SELECT last_status FROM sync_checkpoints") == "failed");
            CHECK(db.scalar("SELECT coalesce(sum(pages), 0) FROM sync_slices") == "0");
            CHECK(db.count("jobs") == 0);
            CHECK((server.requests() > 1) == bad.retried);
        }
    }
}

TEST_CASE("bad responses: a job whose JobId or CreationTime cannot be stored is rejected, the "
          "rest of the page lands")
{
    TempDatabase& db = shared_database();
    CannedServer server;
    ConfigSpec spec;
    spec.endpoint = server.endpoint();
    spec.tags = {"Transcode"};
    std::string config_path;
    load_test_config(db, spec, &config_path);

    const std::string stored = "<JobsDetail><JobId>j2</JobId><Tag>Transcode</Tag>"
                               "<CreationTime>2024-01-01T00:00:00+0800</CreationTime>"
                               "<State>Success</State></JobsDetail>";
    server.respond("200 OK", "application/xml",
                   "<Response><JobsDetail><Code>Success</Code><Tag>Transcode</Tag>"
                   "<CreationTime>2024-01-01T00:00:00+0800</CreationTime></JobsDetail>"
                   "<JobsDetail><JobId>j1</JobId><Tag>Transcode</Tag>"
                   "<CreationTime>yesterday</CreationTime></JobsDetail>" +
                       stored + "<NextToken></NextToken></Response>");
    const ProcessResult run = run_jobsync({"--config", config_path, "sync"});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    // Each rejected job is logged as quarantined, naming the job and the field at fault.
    CHECK_THAT(run.output, Catch::Contains("msg=\"job cannot be stored; quarantined\""));
    CHECK_THAT(run.output, Catch::Contains("job_id=\"JobsDetail #1\" field=JobId "
                                           "problem=\"JobsDetail #1 has no JobId\""));
    CHECK_THAT(run.output,
               Catch::Contains("job_id=j1 field=CreationTime problem=\"JobId j1: CreationTime "
                               "'yesterday' is not a valid time\""));
    CHECK(run.output.find("stored as NULL") == std::string::npos);
    CHECK(db.count("jobs") == 1);
    CHECK(db.scalar("SELECT job_id FROM jobs") == "j2");
}
