// How a partition's older unfinished jobs were refreshed before its walk (as
// sync_checkpoints.last_refresh records it).
#pragma once

namespace jobsync {

enum class RefreshMode { none, walk, by_id };
const char* to_string(RefreshMode mode);

} // namespace jobsync
