#include "jobsync/sync/partition_outcome.hpp"

#include <algorithm>

namespace jobsync {

PartitionStats& PartitionStats::operator+=(const PartitionStats& other)
{
    pages += other.pages;
    requests += other.requests;
    retries += other.retries;
    jobs += other.jobs;
    inserted += other.inserted;
    updated += other.updated;
    unchanged += other.unchanged;
    refused += other.refused;
    duplicates += other.duplicates;
    quarantined += other.quarantined;
    refreshed_by_id += other.refreshed_by_id;
    requests_by_id += other.requests_by_id;
    vanished += other.vanished;
    unfinished += other.unfinished;
    warnings += other.warnings;
    stale_unfinished += other.stale_unfinished;
    lag_seconds = std::max(lag_seconds, other.lag_seconds);
    slices += other.slices;
    return *this;
}

const char* to_string(PartitionStatus status)
{
    switch (status) {
    case PartitionStatus::ok:
        return "ok";
    case PartitionStatus::failed:
        return "failed";
    case PartitionStatus::skipped:
        return "skipped";
    case PartitionStatus::interrupted:
        return "interrupted";
    }
    return "unknown";
}

PartitionStatus worse(PartitionStatus a, PartitionStatus b)
{
    const auto rank = [](PartitionStatus s) {
        switch (s) {
        case PartitionStatus::failed:
            return 3;
        case PartitionStatus::interrupted:
            return 2;
        case PartitionStatus::skipped:
            return 1;
        case PartitionStatus::ok:
            return 0;
        }
        return 3;
    };
    return rank(a) >= rank(b) ? a : b;
}

} // namespace jobsync
