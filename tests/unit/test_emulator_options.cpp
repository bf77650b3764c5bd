// ci-emulator's option table: flags reach the settings, bad ones are refused
// with a message naming the flag.
#include "emulator/emulator_command_line.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace jobsync::emulator;

namespace {

std::string usage_error_of(const std::vector<std::string>& args)
{
    try {
        parse_emulator_arguments(args);
    } catch (const UsageError& error) {
        return error.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("emulator options: values and switches reach the settings")
{
    const EmulatorSettings s = parse_emulator_arguments(
        {"--port", "8123", "--jobs", "42", "--tags", "Transcode,Snapshot", "--bucket",
         "examplebucket-1250000000", "--region", "ap-shanghai", "--strict-signing", "--error-rate",
         "0.25", "--nonexist-style", "repeated", "--refuse-by-id", "--port-file", "/tmp/port"});
    CHECK(s.server.port == 8123);
    CHECK(s.generator.count == 42);
    CHECK(s.generator.tags == std::vector<std::string>{"Transcode", "Snapshot"});
    CHECK(s.server.api.bucket == "examplebucket-1250000000");
    CHECK(s.server.api.region == "ap-shanghai");
    CHECK(s.server.generator.region == "ap-shanghai");
    CHECK(s.server.api.strict_signing);
    CHECK_FALSE(s.server.api.strict_times);
    CHECK(s.server.faults.server_error_rate == Approx(0.25));
    CHECK(s.server.api.nonexist_style == NonExistStyle::repeated);
    CHECK(s.server.faults.refuse_by_id);
    CHECK(s.port_file == "/tmp/port");
    CHECK_FALSE(s.help);
}

TEST_CASE("emulator options: --load without --jobs generates none; --help stops parsing")
{
    CHECK(parse_emulator_arguments({"--load", "/tmp/jobs"}).generator.count == 0);
    CHECK(parse_emulator_arguments({"--load", "/tmp/jobs", "--jobs", "7"}).generator.count == 7);
    CHECK(parse_emulator_arguments({"--help", "--no-such-flag"}).help);
    CHECK(std::string(emulator_usage()).find("--callback-concurrency N") != std::string::npos);
}

TEST_CASE("emulator options: an unknown or malformed option is refused, naming it")
{
    CHECK(usage_error_of({"--no-such-flag"}) == "unknown option --no-such-flag");
    CHECK(usage_error_of({"--port"}) == "--port needs a value");
    CHECK(usage_error_of({"--port", "70000"}) ==
          "--port needs an integer in 0..65535, got '70000'");
    CHECK(usage_error_of({"--error-rate", "2"}) ==
          "--error-rate needs a rate between 0 and 1, got '2'");
    CHECK(usage_error_of({"--nonexist-style", "mixed"}) ==
          "--nonexist-style needs joined or repeated, got 'mixed'");
    CHECK(usage_error_of({"--callback-format", "yaml"}).rfind("--callback-format: ", 0) == 0);
}
