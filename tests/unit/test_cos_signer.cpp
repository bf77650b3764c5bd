// The signer must reproduce every vector Tencent's own SDK computed
// (tests/data/cos-signature.json, copied from the shared API material).
#include "jobsync/core/cos_signer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace jobsync;

namespace {

nlohmann::json load_vectors()
{
    std::ifstream in(std::string(TEST_DATA_DIR) + "/cos-signature.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

SigningRequest request_from(const nlohmann::json& vector)
{
    SigningRequest request;
    request.method = vector.at("Method").get<std::string>();
    request.path = vector.at("Pathname").get<std::string>();
    for (const auto& [name, value] : vector.at("Query").items()) {
        request.query.emplace_back(name, value.get<std::string>());
    }
    for (const auto& [name, value] : vector.at("Headers").items()) {
        request.headers.emplace_back(name, value.get<std::string>());
    }
    return request;
}

} // namespace

TEST_CASE("cos_signer: reproduces every SDK vector")
{
    const auto vectors = load_vectors().at("vectors");
    REQUIRE(vectors.size() >= 6);
    for (const auto& vector : vectors) {
        INFO(vector.at("name").get<std::string>());
        const std::string authorization = sign_request(
            request_from(vector), vector.at("SecretId").get<std::string>(),
            vector.at("SecretKey").get<std::string>(), vector.at("KeyTime").get<std::string>());
        CHECK(authorization == vector.at("Authorization").get<std::string>());
    }
}

TEST_CASE("cos_signer: a server recomputes the signature from the header's lists")
{
    const auto vectors = load_vectors().at("vectors");
    for (const auto& vector : vectors) {
        INFO(vector.at("name").get<std::string>());
        const SigningRequest request = request_from(vector);
        ParsedAuthorization parsed;
        REQUIRE(parse_authorization(vector.at("Authorization").get<std::string>(), parsed));
        CHECK(parsed.access_key == vector.at("SecretId").get<std::string>());
        const std::string recomputed =
            compute_signature_for_lists(request, parsed.header_list, parsed.url_param_list,
                                        vector.at("SecretKey").get<std::string>(), parsed.key_time);
        CHECK(recomputed == parsed.signature);
        // A wrong key gives another signature.
        CHECK(compute_signature_for_lists(request, parsed.header_list, parsed.url_param_list,
                                          "wrong-key", parsed.key_time) != parsed.signature);
    }
}

TEST_CASE("cos_signer: a listed parameter missing from the request fails verification")
{
    SigningRequest request{"GET", "/jobs", {{"tag", "Transcode"}}, {{"Host", "h"}}};
    CHECK(compute_signature_for_lists(request, "host", "queueid;tag", "k", "1;2").empty());
    CHECK_FALSE(compute_signature_for_lists(request, "host", "tag", "k", "1;2").empty());
}

TEST_CASE("cos_signer: the notes' worked vector B")
{
    SigningRequest request{"GET",
                           "/jobs",
                           {{"queueId", "p0123456789abcdef"},
                            {"tag", "Transcode"},
                            {"size", "100"},
                            {"states", "Success,Failed"},
                            {"startCreationTime", "2024-01-01T00:00:00+0800"}},
                           {{"Host", "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"}}};
    CHECK(hmac_sha1_hex("SECRETKEYEXAMPLE", "1700000000;1700003600") ==
          "6ea8bbb485369fd5022439f4156a60385747a36c");
    const std::string auth =
        sign_request(request, "AKIDEXAMPLE", "SECRETKEYEXAMPLE", "1700000000;1700003600");
    CHECK(auth.find("q-url-param-list=queueid;size;startcreationtime;states;tag&") !=
          std::string::npos);
    CHECK(auth.find("q-signature=ba0d9fdb991f7f1ab53664c8dd20864552c8da68") != std::string::npos);
}

TEST_CASE("cos_signer: header selection")
{
    CHECK(is_signable_header("Host"));
    CHECK(is_signable_header("x-ci-security-token"));
    CHECK(is_signable_header("X-COS-Security-Token"));
    CHECK(is_signable_header("Content-Type"));
    CHECK_FALSE(is_signable_header("User-Agent"));
    CHECK_FALSE(is_signable_header("Accept"));
    CHECK_FALSE(is_signable_header("Authorization"));
}
