#include "jobsync/core/process_hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

namespace jobsync {

void disable_core_dumps()
{
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const rlimit no_core{0, 0};
    (void)setrlimit(RLIMIT_CORE, &no_core);
}

} // namespace jobsync
