// `ci-jobsync listen`: an HTTP server taking CI's job-finished callbacks into
// the inbox, and a fetcher thread writing the inbox out in batches.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/core/stop_token.hpp"

namespace jobsync {

struct ListenOptions {
    long debounce_ms = 200;      // a woken fetcher waits this long so a burst shares requests
    long idle_poll_ms = 1000;    // the inbox is read this often even when no callback woke it
    long final_drain_ms = 10000; // after a stop, at most this long to write out what waits
};

// Migrates, serves until `stop` is stopped, then stops accepting, writes
// out what the inbox holds (bounded by final_drain_ms) and returns 0.
// Throws ConfigError without a token, RunError when the address cannot be bound.
int run_listen(const Config& config, StopToken stop, const ListenOptions& options = {});

} // namespace jobsync
