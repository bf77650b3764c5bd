// A source's endpoint and Host header (config/endpoint.cpp).
#include "jobsync/config/config.hpp"
#include "jobsync/config/endpoint.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: endpoint")
{
    const CleanEnv env;
    const auto endpoint_of = [](const std::string& value) {
        const SourceConfig source = load(kMinimal + "endpoint = \"" + value + "\"\n").sources.at(0);
        return std::make_pair(source.endpoint, source.host);
    };
    CHECK(endpoint_of("http://127.0.0.1:18080") ==
          std::make_pair(std::string("http://127.0.0.1:18080"), std::string("127.0.0.1:18080")));
    CHECK(endpoint_of("http://127.0.0.1:18080/") ==
          std::make_pair(std::string("http://127.0.0.1:18080"), std::string("127.0.0.1:18080")));
    CHECK(endpoint_of("https://ci.example.com//") ==
          std::make_pair(std::string("https://ci.example.com"), std::string("ci.example.com")));
    CHECK(endpoint_of("http://[::1]:18080").second == "[::1]:18080");

    for (const char* bad :
         {"ftp://example.com", "127.0.0.1:18080", "http://", "https:///", "http://host/prefix",
          "http://host?x=1", "HTTP://host", "http://user:hunter2@host"}) {
        const std::string text = kMinimal + "endpoint = \"" + bad + "\"\n";
        expect_error(text, "8:12", {"[[source]] endpoint must be http:// or https://"});
        CHECK_FALSE(contains(failure_of(text).message, "hunter2"));
    }
}

TEST_CASE("config: is_loopback_authority accepts 127.0.0.0/8, [::1] and localhost only")
{
    for (const char* loopback : {"127.0.0.1", "127.0.0.1:18080", "127.255.3.4:1", "[::1]",
                                 "[::1]:18080", "localhost", "LocalHost:8080"}) {
        INFO(loopback);
        CHECK(is_loopback_authority(loopback));
    }
    for (const char* remote :
         {"ci.example.com", "10.0.0.1:80", "128.0.0.1", "[::2]:80", "127.0.0.1.example.com",
          "localhost.example.com", "0x7f000001", "127.1", "[::ffff:10.0.0.1]", "", "[::1"}) {
        INFO(remote);
        CHECK_FALSE(is_loopback_authority(remote));
    }
}

TEST_CASE("config: plain http:// only to a loopback host unless allow_insecure_http")
{
    const CleanEnv env;
    for (const char* remote : {"http://ci.example.com", "http://10.0.0.1:8080", "http://[::2]:80",
                               "http://127.0.0.1.example.com"}) {
        expect_error(kMinimal + "endpoint = \"" + remote + "\"\n", "8:12",
                     {"[[source]] endpoint of source 'examplebucket-1250000000': plain http://",
                      "not a loopback address", "allow_insecure_http = true"});
    }
    expect_error(kMinimal + "endpoint = \"http://ci.example.com\"\nallow_insecure_http = false\n",
                 "8:12", {"plain http://"});
    // The source is named by its bucket and its own line.
    expect_error(kMinimal + "\n[[source]]\nbucket = \"second-1\"\nregion = \"r\"\n"
                            "endpoint = \"http://ci.example.com:80\"\n",
                 "12:12", {"source 'second-1'", "'ci.example.com:80'"});

    CHECK(load(kMinimal + "endpoint = \"http://ci.example.com\"\nallow_insecure_http = true\n")
              .sources.at(0)
              .endpoint == "http://ci.example.com");
    CHECK(load(kMinimal + "endpoint = \"https://ci.example.com\"\n").sources.at(0).endpoint ==
          "https://ci.example.com");
    CHECK(load(kMinimal + "endpoint = \"http://localhost:18080\"\n").sources.at(0).host ==
          "localhost:18080");
    expect_error(kMinimal + "allow_insecure_http = \"yes\"\n", "8:23",
                 {"[[source]] allow_insecure_http must be a boolean, got a string"});
}
