// The two reference loaders the worker is compared with.
#pragma once

#include "jobsync/config/config.hpp"

namespace bench {

// Walks every partition over HTTP and writes each page in its own
// transaction with one prepared INSERT ... ON CONFLICT DO UPDATE per row
// (jobs and child rows alike). Prints "naive jobs=... jobs_per_s=...".
void run_naive_loader(const jobsync::Config& config, long max_jobs);

// Walks every partition over HTTP into memory (untimed), then times a bare
// COPY of the same rows into the (empty) tables, one transaction per page on
// sync.concurrency connections, as the sync commits. Prints
// "copy jobs=... jobs_per_s=..." and "copy connections=... pages=...".
void run_copy_ceiling(const jobsync::Config& config, long max_jobs);

} // namespace bench
