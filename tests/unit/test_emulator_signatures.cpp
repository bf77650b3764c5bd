// The emulator refuses unsigned, wrongly signed and altered requests the
// way the service does.
#include "jobsync/core/api_time.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: server rejects unsigned and wrongly signed requests")
{
    ServerFixture fixture(20);
    const QueryParams params{{"tag", "Transcode"}, {"size", "5"}};

    SignOptions wrong_key;
    wrong_key.secret_key = "not-the-key";
    Reply reply = signed_get(fixture.port, "/jobs", params, wrong_key);
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "SignatureDoesNotMatch");
    CHECK(error_message(reply) == "The Signature you specified is invalid.");
    CHECK_FALSE(reply.header("x-ci-trace-id").empty());
    CHECK(reply.body.rfind("<?xml version='1.0' encoding='utf-8' ?>", 0) == 0);

    SignOptions expired;
    const UnixSeconds now = now_unix_seconds();
    expired.key_time = std::to_string(now - 7200) + ";" + std::to_string(now - 3600);
    reply = signed_get(fixture.port, "/jobs", params, expired);
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "AccessDenied");
    CHECK(error_message(reply) == "Request has expired");

    SignOptions other_id;
    other_id.secret_id = "AKIDother";
    CHECK(signed_get(fixture.port, "/jobs", params, other_id).status == 403);

    reply = round_trip(fixture.port, "GET /jobs?tag=Transcode HTTP/1.1\r\nHost: " +
                                         host_of(fixture.port) + "\r\nConnection: close\r\n\r\n");
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "AccessDenied");

    // A parameter added after signing is not in q-url-param-list: accepted,
    // the signature covers what the list names (--strict-signing refuses it,
    // test_emulator_fidelity.cpp).
    std::string request = signed_request(fixture.port, "/jobs", params);
    request.replace(request.find("size=5"), 6, "size=5&states=Failed");
    CHECK(round_trip(fixture.port, request).status == 200);

    // A raw '+' decodes as a space, so the value signed differs from the one received.
    const QueryParams timed{{"tag", "Transcode"},
                            {"startCreationTime", "2024-01-01T00:00:00+0800"}};
    request = signed_request(fixture.port, "/jobs", timed);
    request.replace(request.find("%2B0800"), 7, "+0800");
    CHECK(error_code(round_trip(fixture.port, request)) == "SignatureDoesNotMatch");

    CHECK(fixture.server->stats().rejected_signatures == 5);
    CHECK(fixture.server->stats().jobs_requests == 1);
}
