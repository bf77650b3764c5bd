// API keys from the file, the environment and $CREDENTIALS_DIRECTORY
// (config/credentials.cpp).
#include "jobsync/config/config.hpp"
#include "jobsync/config/credentials.hpp"
#include "jobsync/core/errors.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: the environment overrides [credentials]")
{
    const CleanEnv env;
    const std::string text = "[credentials]\nsecret_id = \"file-id\"\nsecret_key = \"file-key\"\n"
                             "security_token = \"file-token\"\n\n" +
                             kNoCredentials;

    setenv("TENCENTCLOUD_SECRET_ID", "env-id", 1);
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    setenv("TENCENTCLOUD_SECURITY_TOKEN", "env-token", 1);
    Config config = load(text);
    CHECK(config.credentials.secret_id == "env-id");
    CHECK(config.credentials.secret_key == "env-key");
    CHECK(config.credentials.security_token == "env-token");
    CHECK(config.sources.at(0).credentials.secret_id == "env-id");
    CHECK(config.sources.at(0).credentials.secret_key == "env-key");
    CHECK(config.sources.at(0).credentials.security_token == "env-token");

    // Set but empty means "not set": the file's value stays.
    setenv("TENCENTCLOUD_SECRET_KEY", "", 1);
    unsetenv("TENCENTCLOUD_SECURITY_TOKEN");
    config = load(text);
    CHECK(config.credentials.secret_id == "env-id");
    CHECK(config.credentials.secret_key == "file-key");
    CHECK(config.credentials.security_token == "file-token");

    // The environment alone is enough.
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    config = load(kNoCredentials);
    CHECK(config.sources.at(0).credentials.secret_id == "env-id");
    CHECK(config.sources.at(0).credentials.secret_key == "env-key");
    CHECK(config.sources.at(0).credentials.security_token.empty());

    // A source's own keys win over the environment.
    config = load(kNoCredentials + "secret_id = \"own-id\"\nsecret_key = \"own-key\"\n");
    CHECK(config.sources.at(0).credentials.secret_id == "own-id");
    CHECK(config.sources.at(0).credentials.secret_key == "own-key");
    CHECK(config.credentials.secret_id == "env-id");
}

TEST_CASE("config: systemd credential files override the file and the environment")
{
    const CleanEnv env;
    char directory[] = "/tmp/ci-jobsync-credentials-XXXXXX";
    REQUIRE(mkdtemp(directory) != nullptr);
    const std::string key_path = std::string(directory) + "/secret_key";
    {
        std::ofstream out(key_path);
        out << "key-from-credential-file\n";
    }
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    setenv("CREDENTIALS_DIRECTORY", directory, 1);
    const Config config = load(kMinimal);
    CHECK(config.credentials.secret_key == "key-from-credential-file"); // newline trimmed
    CHECK(config.credentials.secret_id == "AKIDtest"); // no secret_id file: unchanged
    CHECK(config.sources.at(0).credentials.secret_key == "key-from-credential-file");
    unlink(key_path.c_str());
    rmdir(directory);
}

TEST_CASE("config: commands that never call the API load without keys")
{
    const CleanEnv env;
    const TempFile file(kNoCredentials);
    CHECK_THROWS_AS(load_config(file.path()), ConfigError);
    const Config config = load_config(file.path(), false);
    CHECK(config.sources.at(0).credentials.secret_key.empty());
}

TEST_CASE("config: per-source credentials and missing credentials")
{
    const CleanEnv env;
    const Config config = load(kMinimal + "secret_id = \"AKIDown\"\nsecret_key = \"own-key\"\n"
                                          "security_token = \"own-token\"\n"
                                          "\n[[source]]\nbucket = \"second-1\"\nregion = \"r\"\n");
    REQUIRE(config.sources.size() == 2);
    CHECK(config.sources[0].credentials.secret_id == "AKIDown");
    CHECK(config.sources[0].credentials.secret_key == "own-key");
    CHECK(config.sources[0].credentials.security_token == "own-token");
    CHECK(config.sources[1].credentials.secret_id == "AKIDtest");
    CHECK(config.sources[1].credentials.secret_key == "minimal-secret");

    expect_error(kMinimal + "secret_id = \"AKIDown\"\n", "8:13",
                 {"[[source]] secret_id and secret_key must be given together"});
    expect_error(kMinimal + "secret_key = \"own-key\"\n", "8:14",
                 {"[[source]] secret_id and secret_key must be given together"});
    expect_error(kMinimal + "security_token = \"own-token\"\n", "8:18",
                 {"[[source]] security_token needs secret_id and secret_key"});

    const std::string hint = "set [credentials] secret_id/secret_key or "
                             "TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY";
    expect_error(kNoCredentials, "1:1",
                 {"no credentials for source 'examplebucket-1250000000': " + hint});
    expect_error("[credentials]\nsecret_id = \"a\"\n\n" + kNoCredentials, "4:1",
                 {"no credentials for source 'examplebucket-1250000000'"});
    expect_error("[credentials]\nsecret_id = \"a\"\nsecret_key = \"\"\n\n" + kNoCredentials, "5:1",
                 {"no credentials for source"});
}

TEST_CASE("config: secret values never appear in messages")
{
    const CleanEnv env;
    const auto message_of = [](const std::string& text) { return failure_of(text).message; };

    std::string message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = 31415926\n" + kNoCredentials);
    CHECK(contains(message, ":3:14: [credentials] secret_key must be a string, got an integer"));
    CHECK_FALSE(contains(message, "31415926"));

    message = message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"k\"\n"
                         "security_token = [\"tok-27182818\"]\n" +
                         kNoCredentials);
    CHECK(contains(message, ":4:18: [credentials] security_token must be a string"));
    CHECK_FALSE(contains(message, "27182818"));

    message =
        message_of(kMinimal + "secret_id = \"AKIDown\"\nsecret_key = { v = \"s-16180339\" }\n");
    CHECK(contains(message, ":9:14: [[source]] secret_key must be a string, got a table"));
    CHECK_FALSE(contains(message, "16180339"));

    // toml++ quotes an unparsable number in its message; on a secret's line that is withheld.
    message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = 14142135623730950488016\n" +
                   kNoCredentials);
    CHECK(contains(message, ":3:"));
    CHECK(contains(message, "TOML syntax error"));
    CHECK_FALSE(contains(message, "14142135623730950488016"));

    // And on the line of a database.url, which may hold a password.
    message = message_of(kMinimal + "[database]\nurl = 1234567890123456789012345\n");
    CHECK(contains(message, ":9:"));
    CHECK(contains(message, "details withheld"));
    CHECK_FALSE(contains(message, "1234567890123456789012345"));

    // Also for an error on a later line of a multi-line secret.
    message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"\"\"\nab\\qSECRET77\"\"\"\n" +
                   kNoCredentials);
    CHECK(contains(message, ":4:"));
    CHECK_FALSE(contains(message, "SECRET77"));

    message = message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"x\\u0001y-57721566\"\n" +
                         kNoCredentials);
    CHECK(contains(message, "[credentials] secret_key must not contain control characters"));
    CHECK_FALSE(contains(message, "57721566"));

    // An unknown key is named, its value is not.
    message = message_of("[credentials]\nsecret_id = \"a\"\nsecretkey = \"s-26535897\"\n" +
                         kNoCredentials);
    CHECK(contains(message, "unknown key 'secretkey'"));
    CHECK_FALSE(contains(message, "26535897"));

    // Missing secret_id with a key from the environment: the key is not echoed.
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key-69314718", 1);
    message = message_of(kNoCredentials);
    CHECK(contains(message, "no credentials for source"));
    CHECK_FALSE(contains(message, "69314718"));
}

namespace {

// A $CREDENTIALS_DIRECTORY with the given files, removed when the test ends.
class CredentialsDirectory {
public:
    CredentialsDirectory()
    {
        char name[] = "/tmp/ci-jobsync-credentials-XXXXXX";
        REQUIRE(mkdtemp(name) != nullptr);
        path_ = name;
        setenv("CREDENTIALS_DIRECTORY", path_.c_str(), 1);
    }
    ~CredentialsDirectory()
    {
        for (const std::string& file : files_) {
            unlink(file.c_str());
        }
        rmdir(path_.c_str());
    }
    CredentialsDirectory(const CredentialsDirectory&) = delete;
    CredentialsDirectory& operator=(const CredentialsDirectory&) = delete;

    void write(const std::string& name, const std::string& content)
    {
        const std::string file = path_ + "/" + name;
        std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
        files_.push_back(file);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::vector<std::string> files_;
};

} // namespace

TEST_CASE("config: holds_control_character flags what would split a header")
{
    CHECK_FALSE(holds_control_character("AKID-abc_123+/=~ ok"));
    CHECK_FALSE(holds_control_character(""));
    CHECK(holds_control_character("tok\r\nX-Injected: 1"));
    CHECK(holds_control_character("a\tb"));
    CHECK(holds_control_character(std::string("a\0b", 3)));
    CHECK(holds_control_character("a\x7f"));
    CHECK(holds_control_character("a\x1f"));
}

TEST_CASE("config: a control character in a secret from the environment is refused")
{
    const CleanEnv env;
    // A CRLF in the token would inject a request header.
    for (const char* name :
         {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECURITY_TOKEN"}) {
        INFO(name);
        setenv(name, "tok-40490\r\nX-Injected: yes", 1);
        const std::string message = failure_of(kMinimal).message;
        CHECK(message ==
              "environment variable " + std::string(name) + " must not contain control characters");
        CHECK_FALSE(contains(message, "40490"));
        unsetenv(name);
    }
    setenv("TENCENTCLOUD_SECRET_KEY", "key\x7f", 1);
    CHECK(contains(failure_of(kMinimal).message, "TENCENTCLOUD_SECRET_KEY must not contain"));
}

TEST_CASE("config: credential files lose one trailing newline, then pass the same check")
{
    const CleanEnv env;
    CredentialsDirectory directory;
    directory.write("security_token", "token-from-file\n");
    CHECK(load(kMinimal).credentials.security_token == "token-from-file");
    directory.write("security_token", "token-without-newline");
    CHECK(load(kMinimal).sources.at(0).credentials.security_token == "token-without-newline");

    for (const std::string bad : {"tok-31830\r\n", "tok-31830\n\n", "tok\n-31830", "tok\t-31830"}) {
        INFO("content: " << bad);
        directory.write("security_token", bad);
        const std::string message = failure_of(kMinimal).message;
        CHECK(message == "credential file " + directory.path() +
                             "/security_token must not contain control characters");
        CHECK_FALSE(contains(message, "31830"));
    }
    directory.write("security_token", "");
    directory.write("secret_id", "AKID\x01-31830");
    CHECK(contains(failure_of(kMinimal).message, "/secret_id must not contain control characters"));
}

TEST_CASE("config: a control character in a secret in the file is refused where it stands")
{
    const CleanEnv env;
    expect_error("[credentials]\nsecret_id = \"a\"\nsecret_key = \"k\"\n"
                 "security_token = \"t-2236\\r\\nX-Injected: 1\"\n" +
                     kNoCredentials,
                 "4:18", {"[credentials] security_token must not contain control characters"});
    expect_error(kMinimal + "secret_id = \"AKID\\u007f\"\nsecret_key = \"own\"\n", "8:13",
                 {"[[source]] secret_id must not contain control characters"});
    CHECK_FALSE(contains(failure_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"k\"\n"
                                    "security_token = \"t-2236\\r\\nX-Injected: 1\"\n" +
                                    kNoCredentials)
                             .message,
                         "2236"));
}
