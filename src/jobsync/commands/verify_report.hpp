// What `verify` compares per job, as served and as stored, and the report
// of their differences.
#pragma once

#include "jobsync/parse/job_record.hpp"
#include "jobsync/sync/partition.hpp"

#include <pqxx/pqxx>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace jobsync {

struct JobFacts {
    std::string state;
    std::optional<long long> progress;
    std::optional<UnixSeconds> end_time;
    std::vector<std::string> output_md5s; // "kind object_name md5", sorted
};

using JobFactsById = std::map<std::string, JobFacts>;

JobFacts facts_of(const JobRecord& job);

// The stored jobs of a partition created within (start, end), bounds exclusive
// like the API's.
JobFactsById load_stored_facts(pqxx::transaction_base& txn, const Partition& partition,
                               std::optional<UnixSeconds> start, std::optional<UnixSeconds> end);

struct VerifyCounts {
    long checked = 0;
    long missing = 0;
    long extra = 0;
    long different = 0;
    long differing() const { return missing + extra + different; }
};

// One line per missing, extra or different job, naming its id.
void report_differences(const JobFactsById& served, const JobFactsById& stored,
                        const std::string& partition_label, std::ostream& out,
                        VerifyCounts& counts);

} // namespace jobsync
