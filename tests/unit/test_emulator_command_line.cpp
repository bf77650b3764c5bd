// The ci-emulator executable: secrets and the admin token from files or the
// environment, never needed on the command line; the job cap at startup.
#include "support/emulator_client.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace testing;

namespace {

// A running ci-emulator on an ephemeral port, stopped with SIGTERM.
class EmulatorProcess {
public:
    EmulatorProcess(std::vector<std::string> args, const std::map<std::string, std::string>& env)
        : port_file_(write_temp_file("", ".port"))
    {
        std::filesystem::remove(port_file_);
        args.insert(args.end(), {"--jobs", "5", "--port-file", port_file_});
        process_ = std::make_unique<ChildProcess>(EMULATOR_BINARY, args, env);
        for (int i = 0; i < 600 && !std::filesystem::exists(port_file_); ++i) {
            REQUIRE(process_->running());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::ifstream(port_file_) >> port;
        REQUIRE(port > 0);
    }

    ~EmulatorProcess() { std::filesystem::remove(port_file_); }

    ProcessResult stop()
    {
        process_->send_signal(SIGTERM);
        return process_->wait();
    }

    int port = 0;

private:
    std::string port_file_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace

TEST_CASE("ci-emulator: the secret key and the admin token come from files")
{
    const std::string key_file = write_temp_file("key-from-a-file-3b9\n", ".key");
    const std::string token_file = write_temp_file(kAdminToken + "\n", ".token");
    EmulatorProcess emulator({"--secret-key-file", key_file, "--admin-token-file", token_file}, {});
    SignOptions file_key;
    file_key.secret_key = "key-from-a-file-3b9";
    CHECK(signed_get(emulator.port, "/jobs", {{"tag", "Transcode"}}, file_key).status == 200);
    CHECK(signed_get(emulator.port, "/jobs", {{"tag", "Transcode"}}).status == 403);
    const Reply stats = admin(emulator.port, "GET", "/_emulator/stats");
    CHECK(stats.status == 200);
    CHECK_THAT(stats.body, Catch::Contains(" jobs=5"));
    const ProcessResult result = emulator.stop();
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("key-from-a-file") == std::string::npos);
    CHECK(result.output.find(kAdminToken) == std::string::npos);
    std::filesystem::remove(key_file);
    std::filesystem::remove(token_file);
}

TEST_CASE("ci-emulator: the environment gives the key and the token; none means admin is off")
{
    {
        EmulatorProcess emulator({}, {{"TENCENTCLOUD_SECRET_KEY", "key-from-env-51c"},
                                      {"CI_EMULATOR_ADMIN_TOKEN", kAdminToken}});
        SignOptions env_key;
        env_key.secret_key = "key-from-env-51c";
        CHECK(signed_get(emulator.port, "/jobs", {{"tag", "Transcode"}}, env_key).status == 200);
        CHECK(admin(emulator.port, "POST", "/_emulator/finish").status == 200);
        CHECK(emulator.stop().exit_code == 0);
    }
    EmulatorProcess emulator({}, {});
    const Reply reply = admin(emulator.port, "POST", "/_emulator/finish");
    CHECK(reply.status == 403);
    CHECK_THAT(error_message(reply), Catch::Contains("admin endpoints are off"));
    CHECK(emulator.stop().exit_code == 0);
}

TEST_CASE("ci-emulator: unreadable secrets and too many jobs are refused at startup")
{
    const std::string empty = write_temp_file("\n", ".key");
    ChildProcess no_key(EMULATOR_BINARY, {"--secret-key-file", empty});
    ProcessResult result = no_key.wait();
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::Contains("--secret-key-file: " + empty + " is empty"));
    std::filesystem::remove(empty);

    ChildProcess missing(EMULATOR_BINARY, {"--admin-token-file", "/nonexistent/token"});
    result = missing.wait();
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output,
               Catch::Contains("--admin-token-file: cannot read /nonexistent/token"));

    ChildProcess too_many(EMULATOR_BINARY, {"--jobs", "20", "--max-jobs", "10"});
    result = too_many.wait();
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("20 jobs are more than --max-jobs 10"));
}
