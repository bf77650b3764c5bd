// Checks one output object on COS for `audit`: HEAD it with the keys of the
// [[source]] whose jobs wrote it, and, with [audit] filehash, ask CI for its
// MD5 when the HEAD gave nothing to compare.
#pragma once

#include "jobsync/api/api_clients.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/output_check_store.hpp"

#include <string>
#include <vector>

namespace jobsync {

// Whose keys sign an object's requests: the [[source]] of the object's
// bucket, else the source of the bucket whose job wrote it (an output
// written to a bucket that is no source's); nullptr when neither is one.
const SourceConfig* signing_source(const std::vector<SourceConfig>& sources,
                                   const std::string& object_bucket, const std::string& job_bucket);

// CI's filehash answers for objects below this size only.
constexpr long long kFilehashMaxBytes = 128LL * 1024 * 1024;

// One per thread: it owns the thread's clients (one per source and kind).
class ObjectChecker {
public:
    ObjectChecker(const Config& config, ApiClientFactory& heads, ApiClientFactory& hashes)
        : config_(config), heads_(heads), hashes_(hashes)
    {
    }

    // A HEAD answer (200, 403, 404), or the error that ended the request
    // (5xx or throttling after retries, network, another 4xx). Throws
    // RunError when the stop flag is raised.
    OutputCheck check(const DueObject& object);

    // Requests sent (retries included) and retries, by this checker's clients.
    RequestCounters counters() const;

private:
    const Config& config_;
    ApiClients heads_;
    ApiClients hashes_;
};

} // namespace jobsync
