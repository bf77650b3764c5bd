// What both executables do first: a core dump of the worker would hold the API
// secret key and the database password from its memory, so none is written.
#pragma once

namespace jobsync {

// Marks the process not dumpable (no core file, no ptrace attach by other
// processes of the same user) and sets RLIMIT_CORE to 0. Best effort: under
// the systemd unit's SystemCallFilter setrlimit is refused, and the unit's
// LimitCORE=0 has already done the same.
void disable_core_dumps();

} // namespace jobsync
