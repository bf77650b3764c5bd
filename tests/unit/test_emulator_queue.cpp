// GET /queue over loopback: the dataset's queues, page by page.
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: /queue lists the dataset's queues page by page")
{
    ServerFixture fixture(40);
    Reply reply = signed_get(fixture.port, "/queue", {{"pageNumber", "1"}, {"pageSize", "1"}});
    REQUIRE(reply.status == 200);
    ParsedXml parsed(reply.body);
    const auto* root = parsed.document.first_node("Response");
    REQUIRE(root != nullptr);
    CHECK(child_text(root, "TotalCount") == "2");
    CHECK(child_text(root, "PageSize") == "1");
    CHECK(child_text(root, "RequestId") == reply.header("x-ci-request-id"));
    CHECK(child_text(root->first_node("QueueList"), "QueueId") == fixture.generator.queues[0]);
    CHECK(child_text(root->first_node("QueueList"), "State") == "Active");

    reply = signed_get(fixture.port, "/queue", {{"pageNumber", "2"}, {"pageSize", "1"}});
    ParsedXml second(reply.body);
    CHECK(child_text(second.document.first_node("Response")->first_node("QueueList"), "QueueId") ==
          fixture.generator.queues[1]);
    reply = signed_get(fixture.port, "/queue", {});
    ParsedXml all(reply.body);
    CHECK(child_text(all.document.first_node("Response"), "PageSize") == "10");
    CHECK(signed_get(fixture.port, "/queue", {{"pageSize", "101"}}).status == 400);
    CHECK(round_trip(fixture.port, "GET /queue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
              .status == 403);
}
