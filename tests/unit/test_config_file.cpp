// The config file on disk: reading it, and warnings about its permissions
// (config/config_file.cpp).
#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: an unreadable file is reported with the reason")
{
    const CleanEnv env;
    const std::string missing = "/tmp/ci-jobsync-no-such-dir/config.toml";
    try {
        load_config(missing);
        FAIL("load_config accepted a missing file");
    } catch (const ConfigError& error) {
        CHECK(std::string(error.what()) ==
              "cannot read config file '" + missing + "': " + std::strerror(ENOENT));
    }
    try {
        load_config("/tmp");
        FAIL("load_config accepted a directory");
    } catch (const ConfigError& error) {
        CHECK(std::string(error.what()) ==
              std::string("cannot read config file '/tmp': ") + std::strerror(EISDIR));
    }
}

TEST_CASE("config: file_holds_secret looks at values, not at words in comments")
{
    const CleanEnv env;
    CHECK(load(kMinimal).file_holds_secret);
    const std::string commented = "# secret_key = \"x\" goes to a credential file\n"
                                  "[credentials]\nsecurity_token = \"\"\n" +
                                  kNoCredentials;
    CHECK_FALSE(load_config(TempFile(commented).path(), false).file_holds_secret);
    CHECK(load(kNoCredentials + "secret_id = \"AKIDx\"\nsecret_key = \"per-source\"\n")
              .file_holds_secret);
    CHECK(load_config(
              TempFile("[database]\nurl = \"postgresql://u:pw@db/x\"\n" + kNoCredentials).path(),
              false)
              .file_holds_secret);
    CHECK(
        load_config(TempFile("[database]\nurl = \"host=db password=pw\"\n" + kNoCredentials).path(),
                    false)
            .file_holds_secret);
    CHECK_FALSE(
        load_config(TempFile("[database]\nurl = \"postgresql://u@db/x\"\n" + kNoCredentials).path(),
                    false)
            .file_holds_secret);
}

TEST_CASE("config: a group- or world-writable config file is warned about, once")
{
    const CleanEnv env;
    const auto warnings_for = [](const std::string& text, mode_t mode) {
        const TempFile file(text);
        REQUIRE(chmod(file.path().c_str(), mode) == 0);
        const StderrCapture capture;
        load_config(file.path(), false);
        return capture.text();
    };
    const std::string writable = "writable by group or others";
    const std::string readable = "holding a secret is readable by group or others";

    // No secret in the file: only writability matters.
    CHECK(warnings_for(kNoCredentials, 0600).empty());
    CHECK(warnings_for(kNoCredentials, 0644).empty());
    const std::string group_writable = warnings_for(kNoCredentials, 0620);
    CHECK(count_of(group_writable, writable) == 1);
    CHECK(contains(group_writable, "mode=0620"));
    CHECK_FALSE(contains(group_writable, readable));
    CHECK(count_of(warnings_for(kNoCredentials, 0602), writable) == 1);

    // With a secret: the readable warning as before, plus the writable one.
    CHECK(warnings_for(kMinimal, 0600).empty());
    const std::string group_readable = warnings_for(kMinimal, 0640);
    CHECK(count_of(group_readable, readable) == 1);
    CHECK_FALSE(contains(group_readable, writable));
    const std::string both = warnings_for(kMinimal, 0666);
    CHECK(count_of(both, readable) == 1);
    CHECK(count_of(both, writable) == 1);
    CHECK_FALSE(contains(both, "minimal-secret"));
}
