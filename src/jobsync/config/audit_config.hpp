// The [audit] section: how `ci-jobsync audit` reaches COS and how fast.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/config/toml_reader.hpp"

namespace jobsync {

// Reads [audit] from the top level; absent => the defaults of AuditConfig.
AuditConfig load_audit(const Section& root);

} // namespace jobsync
