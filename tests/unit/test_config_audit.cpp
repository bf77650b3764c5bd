// [audit]: endpoint, rates, concurrency, recheck_after, the filehash opt-in
// (config/audit_config.cpp).
#include "jobsync/config/config.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: [audit] defaults and values")
{
    const CleanEnv env;
    Config config = load(kMinimal);
    CHECK(config.audit.endpoint.empty());
    CHECK(config.audit.max_requests_per_second == 50);
    CHECK(config.audit.concurrency == 8);
    CHECK(config.audit.recheck_after_seconds == 30L * 86400);
    CHECK_FALSE(config.audit.filehash);
    CHECK(config.audit.filehash_requests_per_second == 5);
    CHECK(config.audit.metrics_file.empty());

    config = load(kMinimal + "[audit]\nendpoint = \"http://127.0.0.1:18080/\"\n"
                             "max_requests_per_second = 12.5\nconcurrency = 3\n"
                             "recheck_after = \"7d\"\nfilehash = true\n"
                             "filehash_requests_per_second = 2\nmetrics_file = \"/tmp/a.prom\"\n");
    CHECK(config.audit.endpoint == "http://127.0.0.1:18080");
    CHECK(config.audit.max_requests_per_second == 12.5);
    CHECK(config.audit.concurrency == 3);
    CHECK(config.audit.recheck_after_seconds == 7L * 86400);
    CHECK(config.audit.filehash);
    CHECK(config.audit.filehash_requests_per_second == 2);
    CHECK(config.audit.metrics_file == "/tmp/a.prom");
}

TEST_CASE("config: [audit] refuses what it cannot use, naming the key and line")
{
    const CleanEnv env;
    expect_error(kMinimal + "[audit]\nconcurrency = 0\n", "9:15", {"[audit] concurrency"});
    expect_error(kMinimal + "[audit]\nmax_requests_per_second = 0\n", "9:27",
                 {"[audit] max_requests_per_second", "above 0"});
    expect_error(kMinimal + "[audit]\nrecheck_after = \"0s\"\n", "9:17", {"[audit] recheck_after"});
    expect_error(kMinimal + "[audit]\nendpoint = \"http://cos.example.com\"\n", "9:12",
                 {"[audit] endpoint", "allow_insecure_http"});
    expect_error(kMinimal + "[audit]\nfilehash = \"yes\"\n", "9:12", {"[audit] filehash"});
    expect_error(kMinimal + "[audit]\nrecheck = true\n", "9:1", {"recheck"});
    CHECK(load(kMinimal + "[audit]\nendpoint = \"http://cos.example.com\"\n"
                          "allow_insecure_http = true\n")
              .audit.endpoint == "http://cos.example.com");
}
