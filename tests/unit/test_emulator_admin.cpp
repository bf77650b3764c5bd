// The /_emulator/ admin endpoints: what they do, and who may call them.
#include "emulator/admin_guard.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/url_encode.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: admin endpoints add jobs, finish them and set faults")
{
    ServerFixture fixture(10);
    Reply reply = admin(fixture.port, "POST",
                        "/_emulator/jobs?count=5&tag=Snapshot&creation_time=" +
                            url_encode("2030-01-01T00:00:00+0800"));
    CHECK(reply.status == 200);
    CHECK(reply.body == "5\n");
    CHECK(admin(fixture.port, "POST", "/_emulator/jobs?count=2").body == "2\n");
    CHECK(fixture.dataset.size() == 17);
    JobQuery query;
    query.tag = "Snapshot";
    query.start = parse_api_time("2029-12-31T00:00:00+0800");
    CHECK(fixture.dataset.select(query).size() == 5);
    // Added jobs are listed like the others.
    const auto listed = list_all(
        fixture.port, {{"tag", "Snapshot"}, {"startCreationTime", "2029-12-31T00:00:00+0800"}});
    CHECK(listed.size() == 5);

    reply = admin(fixture.port, "POST", "/_emulator/finish");
    CHECK(reply.status == 200);
    JobQuery unfinished;
    unfinished.states = {"Submitted", "Running"};
    CHECK(fixture.dataset.select(unfinished).empty());

    reply = admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=1&latency_ms=0");
    CHECK(reply.status == 200);
    CHECK(signed_get(fixture.port, "/jobs", {{"tag", "Transcode"}}).status == 503);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=0").status == 200);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=2").status == 400);

    reply = admin(fixture.port, "GET", "/_emulator/stats");
    CHECK(reply.status == 200);
    CHECK_THAT(reply.body, Catch::StartsWith("requests="));
    CHECK_THAT(reply.body, Catch::Contains(" jobs=17"));
    CHECK_THAT(reply.body, Catch::Contains(" faults_injected=1 "));
    CHECK(admin(fixture.port, "GET", "/_emulator/jobs").status == 405);
    CHECK(admin(fixture.port, "GET", "/_emulator/nope").status == 404);
}

namespace {

std::string admin_request(int port, const std::string& host, const std::string& extra_headers)
{
    return "GET /_emulator/stats HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) + "\r\n" +
           extra_headers + "Connection: close\r\n\r\n";
}

} // namespace

TEST_CASE("emulator: admin faults refuse GET /jobs/<ids> (403) or chosen ids (400), list untouched")
{
    ServerFixture fixture(10);
    const std::vector<JobSpec> jobs = fixture.dataset.specs();
    REQUIRE(jobs.size() == 10);
    const std::string one = "/jobs/" + jobs[0].job_id;
    const std::string two = "/jobs/" + jobs[1].job_id + "," + jobs[2].job_id;
    CHECK(signed_get(fixture.port, one, {}).status == 200);

    Reply reply = admin(fixture.port, "POST", "/_emulator/faults?refuse_by_id=1");
    CHECK(reply.status == 200);
    CHECK_THAT(reply.body, Catch::Contains("refuse_by_id=1"));
    const Reply forbidden = signed_get(fixture.port, one, {});
    CHECK(forbidden.status == 403);
    CHECK_THAT(forbidden.body, Catch::Contains("<Code>AccessDenied</Code>"));
    CHECK(signed_get(fixture.port, "/jobs", {{"tag", jobs[0].tag}}).status == 200);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?refuse_by_id=2").status == 400);

    reply = admin(fixture.port, "POST",
                  "/_emulator/faults?refuse_by_id=0&refused_job_ids=" + jobs[2].job_id);
    CHECK(reply.status == 200);
    CHECK_THAT(reply.body, Catch::Contains("refused_job_ids=1"));
    CHECK(signed_get(fixture.port, one, {}).status == 200);
    CHECK(signed_get(fixture.port, two, {}).status == 400);
    CHECK(signed_get(fixture.port, "/jobs/" + jobs[1].job_id, {}).status == 200);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?refused_job_ids=").status == 200);
    CHECK(signed_get(fixture.port, two, {}).status == 200);
}

TEST_CASE("emulator: admin endpoints need the token, a local Host and no Origin")
{
    ServerFixture fixture(10);
    const int port = fixture.port;
    const std::string bearer = "Authorization: Bearer " + kAdminToken + "\r\n";
    CHECK(round_trip(port, admin_request(port, "127.0.0.1", bearer)).status == 200);
    CHECK(round_trip(port, admin_request(port, "localhost", bearer)).status == 200);

    const auto refused = [&](const std::string& request) {
        const Reply reply = round_trip(port, request);
        CHECK(reply.status == 403);
        CHECK(error_code(reply) == "AccessDenied");
        CHECK(reply.body.find(kAdminToken) == std::string::npos);
        return error_message(reply);
    };
    CHECK_THAT(refused(admin_request(port, "127.0.0.1", "")),
               Catch::Contains("Authorization: Bearer"));
    CHECK_THAT(
        refused(admin_request(port, "127.0.0.1", "Authorization: Bearer " + kAdminToken + "x\r\n")),
        Catch::Contains("Authorization: Bearer"));
    CHECK_THAT(refused(admin_request(port, "127.0.0.1", "Authorization: " + kAdminToken + "\r\n")),
               Catch::Contains("Authorization: Bearer"));
    // A page on another site, or a name that resolves here (DNS rebinding).
    CHECK_THAT(refused(admin_request(port, "127.0.0.1", bearer + "Origin: http://example.com\r\n")),
               Catch::Contains("Origin"));
    CHECK_THAT(refused(admin_request(port, "attacker.example", bearer)), Catch::Contains("Host"));
    CHECK_THAT(refused(admin_request(port + 1, "127.0.0.1", bearer)), Catch::Contains("Host"));
    // Refused calls change nothing.
    CHECK(round_trip(port, "POST /_emulator/jobs?count=3 HTTP/1.1\r\nHost: " + host_of(port) +
                               "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
              .status == 403);
    CHECK(fixture.dataset.size() == 10);
    // The CI endpoints do not take the admin token instead of a signature.
    CHECK(round_trip(port, "GET /jobs?tag=Transcode HTTP/1.1\r\nHost: " + host_of(port) + "\r\n" +
                               bearer + "Connection: close\r\n\r\n")
              .status == 403);
}

TEST_CASE("emulator: without an admin token the admin endpoints are off")
{
    Dataset dataset;
    ServerOptions options; // no admin_token
    EmulatorServer server(dataset, options);
    server.start();
    const Reply reply = admin(server.port(), "POST", "/_emulator/jobs?count=1");
    CHECK(reply.status == 403);
    CHECK_THAT(error_message(reply), Catch::Contains("admin endpoints are off"));
    CHECK(dataset.size() == 0);
}

TEST_CASE("emulator: admin calls add at most 100000 jobs each and never pass --max-jobs")
{
    ServerOptions options;
    options.max_jobs = 25;
    ServerFixture fixture(10, {}, options);
    CHECK(admin(fixture.port, "POST", "/_emulator/jobs?count=100001").status == 400);
    CHECK(admin(fixture.port, "POST", "/_emulator/jobs?count=15").body == "15\n");
    const Reply reply = admin(fixture.port, "POST", "/_emulator/jobs?count=1");
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "QuotaExceeded");
    CHECK_THAT(error_message(reply), Catch::Contains("--max-jobs 25"));
    CHECK(fixture.dataset.size() == 25);
}

TEST_CASE("emulator: the admin token is compared in full")
{
    CHECK(constant_time_equals("secret", "secret"));
    CHECK_FALSE(constant_time_equals("secret", "secreT"));
    CHECK_FALSE(constant_time_equals("secret", "secret-longer"));
    CHECK_FALSE(constant_time_equals("", "secret"));
}
