#include "test_config_support.hpp"

#include "jobsync/core/errors.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace config_test {

TempFile::TempFile(const std::string& text)
{
    char name[] = "/tmp/ci-jobsync-config-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    path_ = name;
    const ssize_t written = write(fd, text.data(), text.size());
    close(fd);
    REQUIRE(written == static_cast<ssize_t>(text.size()));
}

TempFile::~TempFile()
{
    unlink(path_.c_str());
}

CleanEnv::CleanEnv()
{
    for (const char* name :
         {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECURITY_TOKEN",
          "CI_JOBSYNC_CONFIG", "CREDENTIALS_DIRECTORY"}) {
        const char* value = std::getenv(name);
        saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
        unsetenv(name);
    }
}

CleanEnv::~CleanEnv()
{
    for (const auto& [name, value] : saved_) {
        if (value) {
            setenv(name.c_str(), value->c_str(), 1);
        } else {
            unsetenv(name.c_str());
        }
    }
}

StderrCapture::StderrCapture()
{
    char name[] = "/tmp/ci-jobsync-stderr-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    path_ = name;
    std::fflush(stderr);
    saved_fd_ = dup(STDERR_FILENO);
    REQUIRE(saved_fd_ >= 0);
    REQUIRE(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
    close(fd);
}

StderrCapture::~StderrCapture()
{
    std::fflush(stderr);
    dup2(saved_fd_, STDERR_FILENO);
    close(saved_fd_);
    unlink(path_.c_str());
}

std::string StderrCapture::text() const
{
    std::fflush(stderr);
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const std::string kMinimal = R"([credentials]
secret_id = "AKIDtest"
secret_key = "minimal-secret"

[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
)";

const std::string kNoCredentials = R"([[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
)";

jobsync::Config load(const std::string& text)
{
    const TempFile file(text);
    return jobsync::load_config(file.path());
}

Failure failure_of(const std::string& text)
{
    const TempFile file(text);
    try {
        jobsync::load_config(file.path());
    } catch (const jobsync::ConfigError& error) {
        return {file.path(), error.what()};
    }
    FAIL("load_config accepted:\n" << text);
    return {};
}

void expect_error(const std::string& text, const std::string& position,
                  std::initializer_list<std::string> fragments)
{
    const Failure failure = failure_of(text);
    INFO("config:\n" << text << "\nmessage: " << failure.message);
    const std::string prefix = failure.path + ":" + position + ": ";
    CHECK(failure.message.compare(0, prefix.size(), prefix) == 0);
    for (const std::string& fragment : fragments) {
        CHECK(failure.message.find(fragment) != std::string::npos);
    }
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

std::size_t count_of(const std::string& haystack, const std::string& needle)
{
    std::size_t count = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

} // namespace config_test
