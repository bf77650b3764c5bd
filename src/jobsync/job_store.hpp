// Writing one page of jobs into the relational tables, set-based.
#pragma once

#include "jobsync/job_record.hpp"

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace jobsync {

struct PageWriteResult {
    long inserted = 0;  // new job rows
    long updated = 0;   // existing rows whose content changed
    long unchanged = 0; // same detail hash as stored: nothing sent to the server
    long refused = 0;   // a stored terminal state (Success/Failed/Cancel) not replaced by a non-terminal one
    long duplicates = 0; // repeats of a job id within the page (last occurrence wins)
};

// Bumped when the normaliser changes what it extracts, so stored jobs are
// re-normalised on the next walk even though their XML did not change.
inline constexpr int kNormaliserVersion = 1;

// SHA-1 (20 raw bytes) of kNormaliserVersion and the job's detail_xml bytes.
std::string detail_hash(const JobRecord& job);

class JobStore {
public:
    // Upserts the jobs of a page inside txn (the caller commits, together
    // with the checkpoint). Per table one statement: jobs are deduplicated by
    // job_id first, unchanged ones skipped by hash, and the children of
    // changed jobs replaced (deleted and reinserted).
    PageWriteResult write_page(pqxx::work& txn, const std::string& bucket,
                               const std::vector<JobRecord>& jobs);
};

} // namespace jobsync
