// What a run did to a partition: its figures and how its units ended.
#pragma once

#include <string>

namespace jobsync {

struct PartitionStats {
    long pages = 0;
    long requests = 0;
    long retries = 0;
    long jobs = 0; // jobs received (after in-page de-duplication)
    long inserted = 0;
    long updated = 0;
    long unchanged = 0;
    long refused = 0;
    long duplicates = 0;
    long quarantined = 0;     // jobs put in quarantine instead of stored
    long refreshed_by_id = 0; // older unfinished jobs fetched with GET /jobs/<ids>
    long requests_by_id = 0;  // those requests, retries included
    long vanished = 0;        // jobs newly marked vanished (NonExistJobIds)
    long unfinished = 0;      // unfinished jobs inside refresh_horizon after the walk
    long warnings = 0;
    long stale_unfinished = 0;
    long lag_seconds = -1; // now - cursor after the walk; -1 when unknown
    long slices = 0;       // time slices walked to their end

    PartitionStats& operator+=(const PartitionStats& other);
};

enum class PartitionStatus { ok, failed, skipped, interrupted };
const char* to_string(PartitionStatus status);

struct PartitionOutcome {
    PartitionStatus status = PartitionStatus::ok;
    PartitionStats stats;
    std::string error;
};

// The outcome of a partition whose units ended `a` and `b`: a failure wins,
// then an interruption, then a skip.
PartitionStatus worse(PartitionStatus a, PartitionStatus b);

} // namespace jobsync
