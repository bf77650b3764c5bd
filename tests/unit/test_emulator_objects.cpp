// The emulated COS host: HEAD of the jobs' output objects, signed like /jobs,
// errors without a body, and the cases POST /_emulator/objects sets.
#include "emulator/host_check.hpp"
#include "jobsync/core/url_encode.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

using namespace testing;

namespace {

const std::string kBucket = "examplebucket-1250000000";
const std::string kCosHost = kBucket + ".cos.ap-guangzhou.myqcloud.com";

// The key as it goes on the wire: each segment percent-encoded.
std::string wire_key(const std::string& key)
{
    std::string wire;
    std::size_t start = 0;
    for (std::size_t slash = key.find('/'); slash != std::string::npos;
         start = slash + 1, slash = key.find('/', start)) {
        wire += jobsync::url_encode(key.substr(start, slash - start)) + "/";
    }
    return wire + jobsync::url_encode(key.substr(start));
}

Reply signed_head(int port, const std::string& key, const std::string& secret_key)
{
    const jobsync::SigningRequest request{"HEAD", "/" + key, {}, {{"Host", kCosHost}}};
    const jobsync::UnixSeconds now = jobsync::now_unix_seconds();
    const std::string authorization =
        jobsync::sign_request(request, "AKIDemulator", secret_key,
                              std::to_string(now - 60) + ";" + std::to_string(now + 3600));
    return round_trip(port, "HEAD /" + wire_key(key) + " HTTP/1.1\r\nHost: " + kCosHost +
                                "\r\nAuthorization: " + authorization +
                                "\r\nConnection: close\r\n\r\n");
}

// A Success job's first output object.
jobsync::emulator::OutputFileSpec first_output(const ServerFixture& fixture)
{
    for (const auto& job : fixture.dataset.specs()) {
        if (job.state == "Success" && !job.output_files.empty()) {
            return job.output_files.front();
        }
    }
    FAIL("no Success job with outputs");
    return {};
}

} // namespace

TEST_CASE("emulator objects: the COS host names bucket and region")
{
    jobsync::http::HttpRequest request;
    request.headers = {{"host", kCosHost + ":8080"}};
    const auto cos = jobsync::emulator::cos_host_of(request);
    REQUIRE(cos);
    CHECK(cos->bucket == kBucket);
    CHECK(cos->region == "ap-guangzhou");
    request.headers = {{"host", kBucket + ".ci.ap-guangzhou.myqcloud.com"}};
    CHECK_FALSE(jobsync::emulator::cos_host_of(request));
    request.headers = {{"host", "127.0.0.1:8080"}};
    CHECK_FALSE(jobsync::emulator::cos_host_of(request));
}

TEST_CASE("emulator objects: HEAD answers, signed, and the settable cases")
{
    const ServerFixture fixture;
    const auto file = first_output(fixture);
    const std::string key = file.object_name;

    Reply reply = signed_head(fixture.port, key, "emulator-secret-key");
    CHECK(reply.status == 200);
    CHECK(reply.header("etag") == "\"" + file.md5 + "\"");
    CHECK_FALSE(reply.header("last-modified").empty());
    CHECK_FALSE(reply.header("x-cos-hash-crc64ecma").empty());
    CHECK(signed_head(fixture.port, key, "wrong-key").status == 403);
    CHECK(signed_head(fixture.port, "no/such/object.mp4", "emulator-secret-key").status == 404);

    const std::string target =
        "/_emulator/objects?bucket=" + kBucket + "&key=" + jobsync::url_encode(key);
    CHECK(admin(fixture.port, "POST", target + "&case=missing").body == "1\n");
    reply = signed_head(fixture.port, key, "emulator-secret-key");
    CHECK(reply.status == 404);
    CHECK(reply.body.empty());
    admin(fixture.port, "POST", target + "&case=multipart_md5");
    reply = signed_head(fixture.port, key, "emulator-secret-key");
    CHECK(reply.header("etag").find("-3\"") != std::string::npos);
    CHECK(reply.header("x-cos-meta-md5") == file.md5);
    admin(fixture.port, "POST", target + "&case=unavailable&times=1");
    CHECK(signed_head(fixture.port, key, "emulator-secret-key").status == 503);
    CHECK(signed_head(fixture.port, key, "emulator-secret-key").status == 200);
    admin(fixture.port, "POST", "/_emulator/objects?bucket=" + kBucket + "&case=forbidden");
    CHECK(signed_head(fixture.port, key, "emulator-secret-key").status == 403);
    CHECK(admin(fixture.port, "POST", "/_emulator/objects?case=reset").status == 200);
    CHECK(signed_head(fixture.port, key, "emulator-secret-key").status == 200);
    CHECK(admin(fixture.port, "POST", target + "&case=bogus").status == 400);
    CHECK(fixture.server->stats().head_requests == 9);
}
