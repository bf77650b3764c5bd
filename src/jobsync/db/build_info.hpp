// The ci_jobsync_build_info metric both the metrics file and the listener's
// /metrics carry: which build writes them, and the schema it migrates to.
#pragma once

#include <string>

namespace jobsync {

// Its # HELP, # TYPE and sample lines:
// ci_jobsync_build_info{version="0.1.0",migration="0014_last_page"} 1
std::string build_info_exposition();

} // namespace jobsync
