#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace testing {

std::string write_temp_file(const std::string& text, const std::string& suffix)
{
    std::string pattern = "/tmp/jobsync-test-XXXXXX" + suffix;
    const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
        throw std::runtime_error("mkstemps failed");
    }
    const ssize_t written = ::write(fd, text.data(), text.size());
    ::close(fd);
    if (written != static_cast<ssize_t>(text.size())) {
        throw std::runtime_error("short write to " + pattern);
    }
    return pattern;
}

namespace {

// JOBSYNC_TEST_LOG_DIR (set by CTest, tests/CMakeLists.txt) keeps every
// child's output there for scripts/scan_secrets.sh; without it the output is
// a temporary file removed with the child.
const char* kept_log_dir()
{
    const char* dir = std::getenv("JOBSYNC_TEST_LOG_DIR");
    return dir != nullptr && *dir != '\0' ? dir : nullptr;
}

std::string new_log_file()
{
    const char* dir = kept_log_dir();
    if (dir == nullptr) {
        return write_temp_file("", ".log");
    }
    ::mkdir(dir, 0700); // several test executables race to create it: EEXIST is fine
    std::string pattern = std::string(dir) + "/child-XXXXXX.log";
    const int fd = ::mkstemps(pattern.data(), 4);
    if (fd < 0) {
        throw std::runtime_error("cannot create a log file in " + std::string(dir));
    }
    ::close(fd);
    return pattern;
}

} // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env)
    : output_path_(new_log_file())
{
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        const int fd = ::open(output_path_.c_str(), O_WRONLY | O_TRUNC);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        for (const auto& [name, value] : env) {
            ::setenv(name.c_str(), value.c_str(), 1);
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const std::string& arg : args) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        ::execv(program.c_str(), argv.data());
        ::_exit(127);
    }
}

ChildProcess::~ChildProcess()
{
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
    if (kept_log_dir() == nullptr) {
        ::unlink(output_path_.c_str());
    }
}

void ChildProcess::send_signal(int signal)
{
    if (!reaped_) {
        ::kill(pid_, signal);
    }
}

bool ChildProcess::running()
{
    if (reaped_) {
        return false;
    }
    const pid_t done = ::waitpid(pid_, &status_, WNOHANG);
    if (done == pid_) {
        reaped_ = true;
    }
    return !reaped_;
}

std::string ChildProcess::output_so_far() const
{
    std::ifstream in(output_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ProcessResult ChildProcess::wait()
{
    if (!reaped_) {
        ::waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    ProcessResult result;
    result.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    std::ifstream in(output_path_);
    std::ostringstream text;
    text << in.rdbuf();
    result.output = text.str();
    return result;
}

ProcessResult run_jobsync(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env)
{
    ChildProcess child(JOBSYNC_BINARY, args, env);
    return child.wait();
}

} // namespace testing
