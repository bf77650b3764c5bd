// The ci-emulator binary's API-fidelity flags reach the server: one process
// started with all of them, spoken to over loopback.
#include "jobsync/core/api_time.hpp"
#include "support/process.hpp"
#include "support/signed_call.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

using testing::SignedCall;

namespace {

constexpr long kOffset = 3600;
const std::string kBucketHost = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com";

// Waits for the port file the emulator writes once it listens.
int wait_for_port(testing::ChildProcess& emulator, const std::string& port_file)
{
    for (int i = 0; i < 600; ++i) {
        std::ifstream in(port_file);
        int port = 0;
        if (in >> port && port > 0) {
            return port;
        }
        REQUIRE(emulator.running());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("ci-emulator wrote no port file");
    return 0;
}

// Valid for the emulator's clock, an hour ahead of the machine's.
SignedCall call_with_token()
{
    SignedCall call;
    const jobsync::UnixSeconds now = jobsync::now_unix_seconds() + kOffset;
    call.key_time = std::to_string(now - 60) + ";" + std::to_string(now + 600);
    call.host = kBucketHost;
    call.unsigned_headers = {{"x-cos-security-token", "token-from-env"}};
    return call;
}

} // namespace

TEST_CASE("ci-emulator: the fidelity flags and the token's environment variable take effect")
{
    const std::string port_file = testing::write_temp_file("", ".port");
    ::unlink(port_file.c_str());
    testing::ChildProcess emulator(EMULATOR_BINARY,
                                   {"--port",
                                    "0",
                                    "--port-file",
                                    port_file,
                                    "--jobs",
                                    "20",
                                    "--secret-id",
                                    "AKIDemulator",
                                    "--secret-key",
                                    "emulator-secret-key",
                                    "--bucket",
                                    "examplebucket-1250000000",
                                    "--region",
                                    "ap-guangzhou",
                                    "--strict-signing",
                                    "--strict-times",
                                    "--clock-offset-seconds",
                                    std::to_string(kOffset),
                                    "--nonexist-style",
                                    "repeated"},
                                   {{"TENCENTCLOUD_SECURITY_TOKEN", "token-from-env"}});
    const int port = wait_for_port(emulator, port_file);
    ::unlink(port_file.c_str());

    const jobsync::UnixSeconds before = jobsync::now_unix_seconds();
    jobsync::HttpResponse response = testing::send_signed(port, call_with_token());
    CHECK(response.status == 200);
    const auto date = jobsync::parse_http_date(response.headers["date"]);
    REQUIRE(date);
    CHECK(*date >= before + kOffset);
    CHECK(*date <= jobsync::now_unix_seconds() + kOffset);

    SignedCall no_token = call_with_token();
    no_token.unsigned_headers.clear();
    CHECK(testing::send_signed(port, no_token).status == 403);

    SignedCall unsigned_host = call_with_token();
    unsigned_host.sign_host = false;
    CHECK(testing::send_signed(port, unsigned_host).status == 403);

    SignedCall loose_time = call_with_token();
    loose_time.params.emplace_back("startCreationTime", "2024-01-01T00:00:00+08:00");
    CHECK(testing::send_signed(port, loose_time).status == 400);

    SignedCall wrong_host = call_with_token();
    wrong_host.host = "otherbucket-1250000000.ci.ap-guangzhou.myqcloud.com";
    CHECK(testing::send_signed(port, wrong_host).status == 403);

    SignedCall by_id = call_with_token();
    by_id.path = "/jobs/jmissing1,jmissing2";
    by_id.params = {};
    response = testing::send_signed(port, by_id);
    CHECK(response.status == 200);
    CHECK(response.body == "<Response><NonExistJobIds>jmissing1</NonExistJobIds>"
                           "<NonExistJobIds>jmissing2</NonExistJobIds></Response>");

    emulator.send_signal(SIGTERM);
    const testing::ProcessResult result = emulator.wait();
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("token-from-env") == std::string::npos);
}

TEST_CASE("ci-emulator: bad fidelity flag values exit 2 naming the flag")
{
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"--nonexist-style", "sometimes"},
                                               {"--clock-offset-seconds", "soon"},
                                               {"--clock-offset-seconds", "99999999"}}) {
        INFO(args.front() << " " << args.back());
        testing::ChildProcess emulator(EMULATOR_BINARY, args);
        const testing::ProcessResult result = emulator.wait();
        CHECK(result.exit_code == 2);
        CHECK(result.output.rfind("ci-emulator: " + args.front(), 0) == 0);
    }
}
