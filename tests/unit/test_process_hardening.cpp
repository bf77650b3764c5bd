#include "jobsync/core/process_hardening.hpp"

#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// Run in a child, so the test process keeps its own settings.
int child_exit_code()
{
    // Start from a dumpable process with a non-zero soft core limit (as far
    // as the hard limit allows), so the call has something to change.
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    rlimit limit{};
    getrlimit(RLIMIT_CORE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_CORE, &limit);
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) {
        return 2;
    }
    jobsync::disable_core_dumps();
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return 3;
    }
    if (getrlimit(RLIMIT_CORE, &limit) != 0 || limit.rlim_cur != 0 || limit.rlim_max != 0) {
        return 4;
    }
    return 0;
}

} // namespace

TEST_CASE("process hardening: disable_core_dumps makes the process undumpable, core limit 0")
{
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        _exit(child_exit_code());
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    // 2: could not make it dumpable first; 3: still dumpable; 4: core limit not 0.
    CHECK(WEXITSTATUS(status) == 0);
}
