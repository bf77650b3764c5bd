// Helpers shared by the test_config_*.cpp files: temporary config files, a
// clean environment, and assertions on ConfigError messages.
#pragma once

#include "jobsync/config/config.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace config_test {

// A config file under /tmp, removed when the test ends.
class TempFile {
public:
    explicit TempFile(const std::string& text);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Unsets the variables load_config and resolve_config_path read, so the
// developer's environment cannot change results; restores them afterwards.
class CleanEnv {
public:
    CleanEnv();
    ~CleanEnv();
    CleanEnv(const CleanEnv&) = delete;
    CleanEnv& operator=(const CleanEnv&) = delete;

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Everything written to stderr (where the logger writes) while it lives.
class StderrCapture {
public:
    StderrCapture();
    ~StderrCapture();
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    std::string text() const;

private:
    std::string path_;
    int saved_fd_ = -1;
};

// Seven lines; text appended to it starts on line 8.
extern const std::string kMinimal;
// Same, without credentials; text appended starts on line 4.
extern const std::string kNoCredentials;

jobsync::Config load(const std::string& text);

struct Failure {
    std::string path;
    std::string message;
};

// The ConfigError load_config throws for the text; fails the test if none.
Failure failure_of(const std::string& text);

// Asserts that the message points at `position` ("line:column") and mentions every fragment.
void expect_error(const std::string& text, const std::string& position,
                  std::initializer_list<std::string> fragments);

bool contains(const std::string& haystack, const std::string& needle);

// How often needle occurs in haystack.
std::size_t count_of(const std::string& haystack, const std::string& needle);

} // namespace config_test
