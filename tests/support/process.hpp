// Running the real ci-jobsync binary from tests: with a config file, as a
// child process that can be waited for or killed at any instant.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace testing {

struct ProcessResult {
    int exit_code = -1; // 128+N when killed by signal N
    std::string output; // stdout and stderr together
};

class ChildProcess {
public:
    // Starts `program args...` with extra environment variables; output goes
    // to a file read by wait(): temporary, or kept in $JOBSYNC_TEST_LOG_DIR.
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void send_signal(int signal);
    ProcessResult wait();              // blocks until exit
    std::string output_so_far() const; // what it has written yet (stdout and stderr)
    bool running();
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::string output_path_;
    bool reaped_ = false;
    int status_ = 0;
};

// Runs ci-jobsync to completion.
ProcessResult run_jobsync(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

// Writes text to a new temporary file (mode 0600) and returns its path.
std::string write_temp_file(const std::string& text, const std::string& suffix = ".toml");

} // namespace testing
