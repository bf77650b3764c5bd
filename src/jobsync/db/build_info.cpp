#include "jobsync/db/build_info.hpp"

#include "jobsync/db/migrations.hpp"
#include "jobsync/version.hpp"

namespace jobsync {

std::string build_info_exposition()
{
    const auto& migrations = embedded_migrations();
    std::string newest = migrations.empty() ? "" : migrations.back().name;
    if (newest.size() > 4 && newest.compare(newest.size() - 4, 4, ".sql") == 0) {
        newest.resize(newest.size() - 4);
    }
    // Version and migration names are plain ASCII without quotes: no escaping.
    return "# HELP ci_jobsync_build_info The build writing these metrics (always 1).\n"
           "# TYPE ci_jobsync_build_info gauge\n"
           "ci_jobsync_build_info{version=\"" +
           std::string(kVersion) + "\",migration=\"" + newest + "\"} 1\n";
}

} // namespace jobsync
