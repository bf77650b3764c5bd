// The emulator's API fidelity, over loopback with requests signed by the
// worker's signer: security tokens, lenient and strict signing, strict time
// formats, GET /jobs/<ids>, the clock offset and the Host check.
#include "emulator/dataset.hpp"
#include "emulator/emulator_server.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/signed_call.hpp"

#include <catch2/catch.hpp>
#include <curl/curl.h>
#include <rapidxml.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace jobsync;
using namespace jobsync::emulator;

namespace {

const std::string kBucket = "examplebucket-1250000000";
const std::string kBucketHost = kBucket + ".ci.ap-guangzhou.myqcloud.com";

struct Server {
    explicit Server(ServerOptions options = {})
    {
        GeneratorOptions generator;
        generator.count = 40;
        generator.seed = 20261201;
        for (JobSpec& job : generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        options.generator = generator;
        server = std::make_unique<EmulatorServer>(dataset, options);
        server->start();
    }

    Dataset dataset;
    std::unique_ptr<EmulatorServer> server;
};

using Call = testing::SignedCall;

HttpResponse send(const Server& server, const Call& call)
{
    return testing::send_signed(server.server->port(), call);
}

// POST to an admin endpoint (the worker's client only GETs).
long post_admin(const Server& server, const std::string& target, std::string& body)
{
    CURL* curl = curl_easy_init();
    REQUIRE(curl != nullptr);
    const std::string url = "http://127.0.0.1:" + std::to_string(server.server->port()) + target;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
            static_cast<std::string*>(out)->append(data, size * count);
            return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    REQUIRE(curl_easy_perform(curl) == CURLE_OK);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    return status;
}

struct ParsedXml {
    explicit ParsedXml(const std::string& text) : buffer(text.begin(), text.end())
    {
        buffer.push_back('\0');
        document.parse<0>(buffer.data());
    }
    std::vector<char> buffer;
    rapidxml::xml_document<char> document;
};

std::string child_text(const rapidxml::xml_node<char>* node, const char* name)
{
    const auto* child = node ? node->first_node(name) : nullptr;
    return child ? std::string(child->value(), child->value_size()) : std::string();
}

std::string error_code(const HttpResponse& response)
{
    ParsedXml parsed(response.body);
    return child_text(parsed.document.first_node("Error"), "Code");
}

std::string error_message(const HttpResponse& response)
{
    ParsedXml parsed(response.body);
    return child_text(parsed.document.first_node("Error"), "Message");
}

// The texts of every `name` child of <Response>.
std::vector<std::string> response_texts(const std::string& body, const char* name,
                                        const char* grandchild = nullptr)
{
    ParsedXml parsed(body);
    const auto* root = parsed.document.first_node("Response");
    REQUIRE(root != nullptr);
    std::vector<std::string> texts;
    for (auto* node = root->first_node(name); node; node = node->next_sibling(name)) {
        texts.push_back(grandchild ? child_text(node, grandchild)
                                   : std::string(node->value(), node->value_size()));
    }
    return texts;
}

// The exact bytes of one job's <JobsDetail> in a list body.
std::string detail_in(const std::string& list_body, const std::string& job_id)
{
    const auto at = list_body.find("<JobId>" + job_id + "</JobId>");
    REQUIRE(at != std::string::npos);
    const auto begin = list_body.rfind("<JobsDetail>", at);
    const auto end = list_body.find("</JobsDetail>", at) + std::string("</JobsDetail>").size();
    return list_body.substr(begin, end - begin);
}

std::vector<JobSpec> jobs_of_tag(const Dataset& dataset, const std::string& tag)
{
    std::vector<JobSpec> jobs;
    for (const JobSpec& job : dataset.specs()) {
        if (job.tag == tag) {
            jobs.push_back(job);
        }
    }
    return jobs;
}

} // namespace

TEST_CASE("emulator fidelity: a configured security token is required on every request")
{
    ServerOptions options;
    options.security_token = "sts-token-1234567890";
    Server server(options);

    SECTION("missing: refused, and the message says where it belongs")
    {
        const HttpResponse response = send(server, Call{});
        CHECK(response.status == 403);
        CHECK(error_code(response) == "InvalidAccessKeyId");
        CHECK(error_message(response).find("x-ci-security-token") != std::string::npos);
    }
    SECTION("wrong: refused without echoing either token")
    {
        Call call;
        call.signed_headers = {{"x-ci-security-token", "sts-token-wrong"}};
        const HttpResponse response = send(server, call);
        CHECK(response.status == 403);
        CHECK(error_code(response) == "InvalidAccessKeyId");
        CHECK(response.body.find("sts-token") == std::string::npos);
    }
    SECTION("right in x-ci-security-token, signed (PY, CPP)")
    {
        Call call;
        call.signed_headers = {{"x-ci-security-token", "sts-token-1234567890"}};
        CHECK(send(server, call).status == 200);
    }
    SECTION("right in x-cos-security-token, unsigned (NODE, JAVA)")
    {
        Call call;
        call.unsigned_headers = {{"x-cos-security-token", "sts-token-1234567890"}};
        CHECK(send(server, call).status == 200);
    }
    SECTION("one right and one wrong token header: refused")
    {
        Call call;
        call.unsigned_headers = {{"x-cos-security-token", "sts-token-1234567890"},
                                 {"x-ci-security-token", "stale"}};
        CHECK(send(server, call).status == 403);
    }
    SECTION("GET /queue needs it too")
    {
        Call call;
        call.path = "/queue";
        call.params = {};
        CHECK(send(server, call).status == 403);
        call.unsigned_headers = {{"x-ci-security-token", "sts-token-1234567890"}};
        CHECK(send(server, call).status == 200);
    }
}

TEST_CASE("emulator fidelity: without a configured token, token headers are ignored")
{
    Server server;
    Call call;
    call.unsigned_headers = {{"x-cos-security-token", "anything"}};
    CHECK(send(server, call).status == 200);
}

TEST_CASE("emulator fidelity: lenient signing verifies what the lists name")
{
    Server server;
    SECTION("host left out of q-header-list (ForceSignHost: false)")
    {
        Call call;
        call.sign_host = false;
        CHECK(send(server, call).status == 200);
    }
    SECTION("the API page's example: both lists empty")
    {
        Call call;
        call.sign_host = false;
        call.sign_params = false;
        call.params = {{"queueId", "p2242ab62c7c94486915508540933a2c6"}, {"tag", "Transcode"}};
        CHECK(send(server, call).status == 200);
    }
    SECTION("a wrong key still fails, lists or not")
    {
        Call call;
        call.sign_host = false;
        call.sign_params = false;
        call.secret_key = "not-the-key";
        const HttpResponse response = send(server, call);
        CHECK(response.status == 403);
        CHECK(error_code(response) == "SignatureDoesNotMatch");
    }
    SECTION("a signature over another path fails")
    {
        Call call;
        call.sign_host = false;
        call.sign_params = false;
        call.signed_path = "/queue";
        CHECK(send(server, call).status == 403);
    }
}

TEST_CASE("emulator fidelity: --strict-signing requires host and every parameter signed")
{
    ServerOptions options;
    options.api.strict_signing = true;
    Server server(options);
    CHECK(send(server, Call{}).status == 200);

    Call unsigned_host;
    unsigned_host.sign_host = false;
    HttpResponse response = send(server, unsigned_host);
    CHECK(response.status == 403);
    CHECK(error_code(response) == "SignatureDoesNotMatch");
    CHECK(error_message(response).find("host") != std::string::npos);

    Call unsigned_params;
    unsigned_params.sign_params = false;
    response = send(server, unsigned_params);
    CHECK(response.status == 403);
    CHECK(error_message(response).find("omits tag") != std::string::npos);

    Server lenient; // the same requests, verified by what their lists name
    CHECK(send(lenient, unsigned_host).status == 200);
    CHECK(send(lenient, unsigned_params).status == 200);
}

TEST_CASE("emulator fidelity: --strict-times accepts only %Y-%m-%dT%H:%M:%S%z")
{
    ServerOptions options;
    options.api.strict_times = true;
    Server strict(options);
    Server lenient;

    const auto with_time = [](const char* name, const char* value) {
        Call call;
        call.params.emplace_back(name, value);
        return call;
    };
    CHECK(send(strict, with_time("startCreationTime", "2024-01-01T00:00:00+0800")).status == 200);
    CHECK(send(strict, with_time("endCreationTime", "2030-01-01T00:00:00-0530")).status == 200);
    for (const char* loose : {"2024-01-01T00:00:00+08:00", "2024-01-01T00:00:00Z",
                              "2024-01-01 00:00:00+0800", "2024-01-01T00:00:00.5+0800"}) {
        for (const char* name : {"startCreationTime", "endCreationTime"}) {
            INFO(name << "=" << loose);
            const HttpResponse refused = send(strict, with_time(name, loose));
            CHECK(refused.status == 400);
            CHECK(error_code(refused) == "InvalidArgument");
            CHECK(error_message(refused).find(name) != std::string::npos);
            CHECK(send(lenient, with_time(name, loose)).status == 200);
        }
    }
}

TEST_CASE("emulator fidelity: GET /jobs/<ids> serves the list's JobsDetail by id")
{
    Server server;
    const std::vector<JobSpec> transcodes = jobs_of_tag(server.dataset, "Transcode");
    REQUIRE(transcodes.size() >= 3);
    Call list;
    list.params = {{"tag", "Transcode"}, {"size", "100"}};
    const HttpResponse listed = send(server, list);
    REQUIRE(listed.status == 200);

    SECTION("found: each job's exact bytes, in the order asked, no NonExistJobIds")
    {
        Call call;
        call.params = {};
        call.path = "/jobs/" + transcodes[2].job_id + "," + transcodes[0].job_id;
        const HttpResponse response = send(server, call);
        REQUIRE(response.status == 200);
        CHECK(response.body == "<Response>" + detail_in(listed.body, transcodes[2].job_id) +
                                   detail_in(listed.body, transcodes[0].job_id) + "</Response>");
    }
    SECTION("unknown ids: one comma-joined NonExistJobIds by default")
    {
        Call call;
        call.params = {};
        call.path = "/jobs/jmissing1," + transcodes[1].job_id + ",jmissing2";
        const HttpResponse response = send(server, call);
        REQUIRE(response.status == 200);
        CHECK(response_texts(response.body, "JobsDetail", "JobId") ==
              std::vector<std::string>{transcodes[1].job_id});
        CHECK(response_texts(response.body, "NonExistJobIds") ==
              std::vector<std::string>{"jmissing1,jmissing2"});
    }
    SECTION("the path is what is signed")
    {
        Call call;
        call.params = {};
        call.path = "/jobs/" + transcodes[0].job_id;
        call.signed_path = "/jobs";
        CHECK(send(server, call).status == 403);
    }
    SECTION("more than 10 ids, or an empty one: 400 InvalidArgument")
    {
        Call call;
        call.params = {};
        std::string ids = transcodes[0].job_id;
        for (int i = 1; i < 10; ++i) {
            ids += ",jmissing" + std::to_string(i);
        }
        call.path = "/jobs/" + ids;
        CHECK(send(server, call).status == 200); // ten is the limit
        call.path = "/jobs/" + ids + ",jmissing10";
        HttpResponse response = send(server, call);
        CHECK(response.status == 400);
        CHECK(error_code(response) == "InvalidArgument");
        CHECK(error_message(response).find("got 11") != std::string::npos);
        const std::vector<std::string> empty_id_paths{
            "/jobs/", "/jobs/" + transcodes[0].job_id + ",", "/jobs/a,,b"};
        for (const std::string& path : empty_id_paths) {
            INFO(path);
            call.path = path;
            response = send(server, call);
            CHECK(response.status == 400);
            CHECK(error_message(response).find("empty") != std::string::npos);
        }
    }
}

TEST_CASE("emulator fidelity: --nonexist-style repeated emits one NonExistJobIds per id")
{
    ServerOptions options;
    options.api.nonexist_style = NonExistStyle::repeated;
    Server server(options);
    Call call;
    call.params = {};
    call.path = "/jobs/jmissing1,jmissing2";
    const HttpResponse response = send(server, call);
    REQUIRE(response.status == 200);
    CHECK(response_texts(response.body, "JobsDetail").empty());
    CHECK(response_texts(response.body, "NonExistJobIds") ==
          std::vector<std::string>{"jmissing1", "jmissing2"});
}

TEST_CASE("emulator fidelity: GET /jobs/<ids> gets the list's injected faults")
{
    const auto by_id = [](const Server& server) {
        Call call;
        call.params = {};
        call.path = "/jobs/" + server.dataset.specs().front().job_id;
        return send(server, call);
    };
    SECTION("5xx")
    {
        ServerOptions options;
        options.faults.server_error_rate = 1;
        Server server(options);
        const HttpResponse response = by_id(server);
        CHECK(response.status == 500);
        CHECK(error_code(response) == "InternalError");
    }
    SECTION("SlowDown")
    {
        ServerOptions options;
        options.faults.throttle_rate = 1;
        Server server(options);
        const HttpResponse response = by_id(server);
        CHECK(response.status == 503);
        CHECK(response.headers.at("retry-after") == "1");
    }
    SECTION("truncation")
    {
        Server whole;
        ServerOptions options;
        options.faults.truncate_rate = 1;
        Server cut(options);
        const HttpResponse full = by_id(whole);
        const HttpResponse truncated = by_id(cut);
        CHECK(truncated.status == 200);
        CHECK(truncated.body == full.body.substr(0, full.body.size() / 2));
    }
}

TEST_CASE("emulator fidelity: the clock offset moves the Date header and the signing window")
{
    ServerOptions options;
    options.faults.clock_offset_seconds = 7200;
    Server server(options);
    Call call;
    const UnixSeconds now = now_unix_seconds();
    call.key_time = std::to_string(now + 7200 - 60) + ";" + std::to_string(now + 7200 + 600);
    HttpResponse response = send(server, call);
    REQUIRE(response.status == 200);
    const auto date = parse_http_date(response.headers.at("date"));
    REQUIRE(date);
    CHECK(*date >= now + 7200);
    CHECK(*date <= now_unix_seconds() + 7200);

    // Signed for the machine's clock: an hour is too old for the emulator's.
    response = send(server, Call{});
    CHECK(response.status == 403);
    CHECK(error_message(response) == "Request has expired");

    std::string body;
    CHECK(post_admin(server, "/_emulator/faults?clock_offset_seconds=-3600", body) == 200);
    CHECK(body.find("clock_offset_seconds=-3600") != std::string::npos);
    response = send(server, Call{}); // starts an hour after the emulator's now
    CHECK(response.status == 403);
    CHECK(error_code(response) == "RequestTimeTooSkewed");
    const UnixSeconds before = now_unix_seconds();
    call.key_time = std::to_string(before - 3600 - 60) + ";" + std::to_string(before - 3600 + 600);
    response = send(server, call);
    CHECK(response.status == 200);
    const auto moved = parse_http_date(response.headers.at("date"));
    REQUIRE(moved);
    CHECK(*moved >= before - 3600);
    CHECK(*moved <= now_unix_seconds() - 3600);

    body.clear();
    CHECK(post_admin(server, "/_emulator/faults?clock_offset_seconds=soon", body) == 400);
}

TEST_CASE("emulator fidelity: with a bucket, Host must be the bucket's CI host")
{
    ServerOptions options;
    options.api.bucket = kBucket;
    options.api.region = "ap-guangzhou";
    Server server(options);

    Call call;
    call.host = kBucketHost;
    CHECK(send(server, call).status == 200);
    call.host = kBucketHost + ":443";
    CHECK(send(server, call).status == 200);
    call.host = ""; // the loopback authority a worker with `endpoint` sends
    CHECK(send(server, call).status == 200);

    for (const std::string& wrong :
         {std::string("otherbucket-1250000000.ci.ap-guangzhou.myqcloud.com"),
          kBucket + ".ci.ap-beijing.myqcloud.com", kBucket + ".cos.ap-guangzhou.myqcloud.com"}) {
        INFO(wrong);
        call.host = wrong;
        const HttpResponse response = send(server, call);
        CHECK(response.status == 403);
        CHECK(error_code(response) == "AccessDenied");
        CHECK(error_message(response).find("expected " + kBucketHost) != std::string::npos);
    }
    call.path = "/queue";
    call.params = {};
    CHECK(send(server, call).status == 403);

    Server unchecked; // no bucket given: any Host
    call.path = "/jobs";
    call.params = {{"tag", "Transcode"}};
    CHECK(send(unchecked, call).status == 200);
}
