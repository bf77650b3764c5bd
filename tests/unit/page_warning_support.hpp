// The messages of a page's warnings, for comparing with expected sentences.
#pragma once

#include "jobsync/parse/jobs_page.hpp"

#include <string>
#include <vector>

inline std::vector<std::string> warning_messages(const jobsync::JobsPage& page)
{
    std::vector<std::string> messages;
    for (const jobsync::PageWarning& warning : page.warnings) {
        messages.push_back(warning.message);
    }
    return messages;
}
