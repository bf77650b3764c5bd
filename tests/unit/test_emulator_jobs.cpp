// GET /jobs over loopback: paging, parameter and token validation, empty
// results, injected faults and token expiry.
#include "jobsync/core/api_time.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: server pages a signed /jobs listing to exactly the dataset's jobs")
{
    ServerFixture fixture;
    const std::string queue = fixture.generator.queues[0];
    const std::string start = format_api_time(fixture.generator.first_creation_time + 600, 480);
    const QueryParams params{{"tag", "Transcode"},   {"queueId", queue},
                             {"orderByTime", "Asc"}, {"size", "7"},
                             {"states", "All"},      {"startCreationTime", start}};
    std::size_t pages = 0;
    const auto listed = list_all(fixture.port, params, &pages);

    JobQuery query;
    query.tag = "Transcode";
    query.queue_id = queue;
    query.ascending = true;
    query.start = parse_api_time(start);
    const auto expected = ids_of(fixture.dataset.select(query));
    REQUIRE(expected.size() > 14);
    CHECK(listed == expected);
    CHECK(pages == (expected.size() + 6) / 7);

    // The default order is Desc; a page's bytes are the stored XML.
    const Reply reply = signed_get(fixture.port, "/jobs", {{"tag", "Transcode"}});
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "application/xml");
    CHECK(reply.header("server") == "tencent-ci");
    CHECK_FALSE(reply.header("x-ci-request-id").empty());
    CHECK_FALSE(reply.header("date").empty());
    query.ascending = false;
    query.start.reset();
    query.queue_id.clear();
    const auto newest = fixture.dataset.select(query);
    const JobsReply page = parse_jobs(reply.body);
    REQUIRE(page.ids.size() == 10);
    CHECK(page.ids.front() == newest.front().job_id);
    CHECK(reply.body.rfind("<Response>" + newest[0].xml + newest[1].xml, 0) == 0);
    CHECK_FALSE(page.next_token.empty());

    // A security token header is accepted, signed or not; a bare key counts as empty.
    const std::string with_token = signed_request(fixture.port, "/jobs", {{"tag", "Transcode"}}, {},
                                                  "x-cos-security-token: abc\r\n");
    CHECK(round_trip(fixture.port, with_token).status == 200);
    const auto stats = fixture.server->stats();
    CHECK(stats.jobs_requests == static_cast<long>(pages) + 2);
    CHECK(stats.rejected_signatures == 0);
}

TEST_CASE("emulator: server validates /jobs parameters and tokens")
{
    ServerFixture fixture(60);
    const int port = fixture.port;
    const auto invalid = [&](const QueryParams& params) {
        const Reply reply = signed_get(port, "/jobs", params);
        CHECK(reply.status == 400);
        CHECK(error_code(reply) == "InvalidArgument");
        return error_message(reply);
    };
    invalid({{"size", "5"}});
    invalid({{"tag", "NoSuchTag"}});
    invalid({{"tag", "Transcode"}, {"size", "101"}});
    invalid({{"tag", "Transcode"}, {"size", "0"}});
    invalid({{"tag", "Transcode"}, {"states", "Success,Done"}});
    invalid({{"tag", "Transcode"}, {"orderByTime", "asc"}});
    CHECK_THAT(invalid({{"tag", "Transcode"}, {"startCreationTime", "2024-01-01 00:00"}}),
               Catch::Contains("startCreationTime"));
    CHECK_THAT(invalid({{"tag", "Transcode"}, {"endCreationTime", "yesterday"}}),
               Catch::Contains("endCreationTime"));
    CHECK(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"size", "100"}}).status == 200);
    CHECK(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"nextToken", ""}}).status == 200);

    const JobsReply first =
        parse_jobs(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"size", "3"}}).body);
    REQUIRE_FALSE(first.next_token.empty());
    std::string tampered = first.next_token;
    tampered[7] = tampered[7] == '0' ? '1' : '0';
    CHECK(invalid({{"tag", "Transcode"}, {"size", "3"}, {"nextToken", tampered}}) ==
          "invalid nextToken");
    CHECK(invalid({{"tag", "Transcode"}, {"size", "3"}, {"nextToken", "garbage"}}) ==
          "invalid nextToken");
    // The same token with other filters is refused; with another size it is fine.
    CHECK(
        invalid({{"tag", "Transcode"}, {"orderByTime", "Asc"}, {"nextToken", first.next_token}}) ==
        "invalid nextToken");
    const Reply next = signed_get(
        port, "/jobs", {{"tag", "Transcode"}, {"size", "5"}, {"nextToken", first.next_token}});
    CHECK(next.status == 200);
}

TEST_CASE("emulator: an empty result carries one empty JobsDetail")
{
    ServerFixture fixture(40);
    for (const QueryParams& params :
         {QueryParams{{"tag", "SmartCover"}},
          QueryParams{{"tag", "Transcode"}, {"endCreationTime", "2000-01-01T00:00:00+0800"}}}) {
        const Reply reply = signed_get(fixture.port, "/jobs", params);
        REQUIRE(reply.status == 200);
        CHECK(reply.body == "<Response><JobsDetail/><NextToken></NextToken></Response>");
        const JobsReply jobs = parse_jobs(reply.body);
        CHECK(jobs.details == 1);
        CHECK(jobs.ids.empty());
    }
}

TEST_CASE("emulator: injected faults at rate 1.0")
{
    ServerFixture fixture(30);
    const QueryParams params{{"tag", "Transcode"}};
    FaultOptions faults;
    faults.server_error_rate = 1.0;
    fixture.server->set_faults(faults);
    Reply reply = signed_get(fixture.port, "/jobs", params);
    CHECK(reply.status == 500);
    CHECK(error_code(reply) == "InternalError");

    faults = {};
    faults.throttle_rate = 1.0;
    fixture.server->set_faults(faults);
    reply = signed_get(fixture.port, "/jobs", params);
    CHECK(reply.status == 503);
    CHECK(error_code(reply) == "SlowDown");
    CHECK(reply.header("retry-after") == "1");

    faults = {};
    faults.truncate_rate = 1.0;
    faults.latency_ms = 50;
    fixture.server->set_faults(faults);
    const auto started = std::chrono::steady_clock::now();
    reply = signed_get(fixture.port, "/jobs", params);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));
    CHECK(reply.status == 200);
    CHECK(reply.body.size() == std::stoul(reply.header("content-length")));
    CHECK_FALSE(is_well_formed(reply.body));

    // Signature failures are answered before any fault.
    SignOptions wrong;
    wrong.secret_key = "x";
    CHECK(signed_get(fixture.port, "/jobs", params, wrong).status == 403);
    fixture.server->set_faults({});
    CHECK(signed_get(fixture.port, "/jobs", params).status == 200);
    CHECK(fixture.server->stats().faults_injected == 3);
}

TEST_CASE("emulator: nextToken expires after token_ttl_seconds")
{
    FaultOptions faults;
    faults.token_ttl_seconds = 1;
    ServerFixture fixture(40, faults);
    const QueryParams params{{"tag", "Transcode"}, {"size", "2"}};
    const JobsReply first = parse_jobs(signed_get(fixture.port, "/jobs", params).body);
    REQUIRE_FALSE(first.next_token.empty());
    QueryParams next = params;
    next.emplace_back("nextToken", first.next_token);
    CHECK(signed_get(fixture.port, "/jobs", next).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const Reply reply = signed_get(fixture.port, "/jobs", next);
    CHECK(reply.status == 400);
    CHECK(error_message(reply) == "nextToken expired");
}
