// The metrics read from the database when the file is written (the build,
// each partition's cursor, last committed page, claim and quarantine, the
// failed runs in a row): they describe the sync as it stands, so they are
// rewritten during a run too (metrics_refresher.hpp), unlike the run's own.
#pragma once

#include "jobsync/commands/exposition.hpp"
#include "jobsync/db/sync_state_store.hpp"

#include <set>
#include <string>

namespace jobsync {

// The families render_state writes.
const std::set<std::string>& state_metric_families();

void render_state(Exposition& out, const SyncState& state);

} // namespace jobsync
