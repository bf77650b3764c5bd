// [listen]: address, path, token (a secret from the file, the environment or
// a credential file) and the body limit (config/config.cpp, credentials.cpp).
#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: [listen] defaults and values")
{
    const CleanEnv env;
    Config config = load(kMinimal);
    CHECK(config.listen.host == "127.0.0.1");
    CHECK(config.listen.port == 8089);
    CHECK(config.listen.path == "/ci/notify");
    CHECK(config.listen.token.empty());
    CHECK(config.listen.max_body_bytes == 1048576);

    config = load(kMinimal + "[listen]\naddress = \"0.0.0.0:9000\"\npath = \"/hooks/ci\"\n"
                             "token = \"file-token-0123456789\"\nmax_body_bytes = 4096\n");
    CHECK(config.listen.host == "0.0.0.0");
    CHECK(config.listen.port == 9000);
    CHECK(config.listen.path == "/hooks/ci");
    CHECK(config.listen.token == "file-token-0123456789");
    CHECK(config.listen.max_body_bytes == 4096);
    CHECK(config.file_holds_secret);

    config = load(kMinimal + "[listen]\naddress = \"[::1]:8089\"\n");
    CHECK(config.listen.host == "::1");
}

TEST_CASE("config: bad [listen] values name the key")
{
    const CleanEnv env;
    expect_error(kMinimal + "[listen]\naddress = \"127.0.0.1\"\n", "9:11", {"[listen] address"});
    expect_error(kMinimal + "[listen]\naddress = \"127.0.0.1:70000\"\n", "9:11",
                 {"[listen] address", "1..65535"});
    expect_error(kMinimal + "[listen]\npath = \"ci/notify\"\n", "9:8", {"[listen] path"});
    expect_error(kMinimal + "[listen]\nmax_body_bytes = 10\n", "9:18", {"max_body_bytes"});
    expect_error(kMinimal + "[listen]\nport = 80\n", "9:1", {"port"});
    const Failure failure = failure_of(kMinimal + "[listen]\ntoken = \"secret\\u0007value\"\n");
    CHECK(contains(failure.message, "[listen] token must not contain control characters"));
    CHECK_FALSE(contains(failure.message, "secret"));
}

TEST_CASE("config: the listen token from the environment and a credential file")
{
    const CleanEnv env;
    const std::string text = kMinimal + "[listen]\ntoken = \"file-token-0123456789\"\n";
    setenv("CI_JOBSYNC_LISTEN_TOKEN", "env-token-0123456789", 1);
    CHECK(load(text).listen.token == "env-token-0123456789");

    char directory[] = "/tmp/ci-jobsync-credentials-XXXXXX";
    REQUIRE(mkdtemp(directory) != nullptr);
    const std::string path = std::string(directory) + "/listen_token";
    {
        std::ofstream out(path);
        out << "credential-token-0123456789\n";
    }
    setenv("CREDENTIALS_DIRECTORY", directory, 1);
    CHECK(load(text).listen.token == "credential-token-0123456789");
    unlink(path.c_str());
    rmdir(directory);

    setenv("CI_JOBSYNC_LISTEN_TOKEN", "bad\ttoken", 1);
    unsetenv("CREDENTIALS_DIRECTORY");
    CHECK_THROWS_WITH(load(text),
                      Catch::Contains("CI_JOBSYNC_LISTEN_TOKEN") && !Catch::Contains("bad\ttoken"));
}

TEST_CASE("config: [listen] request_timeout and max_attempts, bounded")
{
    const CleanEnv env;
    Config config = load(kMinimal);
    CHECK(config.listen.request_timeout_seconds == 30);
    CHECK(config.listen.max_attempts == 10);
    config = load(kMinimal + "[listen]\nrequest_timeout = \"2m\"\nmax_attempts = 3\n");
    CHECK(config.listen.request_timeout_seconds == 120);
    CHECK(config.listen.max_attempts == 3);
    CHECK(load(kMinimal + "[listen]\nrequest_timeout = \"1h\"\nmax_attempts = 100\n")
              .listen.request_timeout_seconds == 3600);
    expect_error(kMinimal + "[listen]\nrequest_timeout = \"61m\"\n", "9:19",
                 {"[listen] request_timeout", "at most 1h"});
    expect_error(kMinimal + "[listen]\nrequest_timeout = \"0s\"\n", "9:19", {"request_timeout"});
    expect_error(kMinimal + "[listen]\nmax_attempts = 0\n", "9:16", {"max_attempts"});
    expect_error(kMinimal + "[listen]\nmax_attempts = 101\n", "9:16", {"max_attempts"});
}
