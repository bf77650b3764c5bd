// The emulator's jobs: generated from a seed, or loaded from XML files;
// thread-safe, and mutable so tests can add jobs and change states.
#pragma once

#include "emulator/job_spec.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobsync::emulator {

struct GeneratorOptions {
    std::uint64_t seed = 42;
    std::size_t count = 1000;
    std::vector<std::string> tags{"Transcode", "Snapshot", "Animation", "MediaInfo"};
    std::vector<std::string> queues{"p2242ab62c7c94486915508540933a2c6",
                                    "p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e"};
    std::string bucket = "examplebucket-1250000000";
    std::string region = "ap-guangzhou";
    UnixSeconds first_creation_time = 1704067200; // 2024-01-01T00:00:00Z
    long spacing_seconds = 30; // mean gap between creation times; some jobs share a second
    // Share of older jobs left in Pause, as real queues keep a few paused jobs
    // for days (drawn from the job id, so other fields keep their values).
    double old_unfinished_rate = 0;
};

// Deterministic: the same options give the same jobs, byte for byte. Only the
// newest 3% can be unfinished (Submitted/Running), as on a real account,
// plus old_unfinished_rate of the older ones in Pause.
// Job ids are unique ("j" + 32 hex digits derived from seed and index).
std::vector<JobSpec> generate_jobs(const GeneratorOptions& options);

// One generated job of `tag` created at `creation_time` (for adding jobs later).
JobSpec generate_job(const GeneratorOptions& options, std::uint64_t index, const std::string& tag,
                     UnixSeconds creation_time);

// What GET /jobs filters and pages over.
struct StoredJob {
    std::string job_id, tag, queue_id, queue_type, state, input_object, workflow_id;
    UnixSeconds creation_time = 0;
    std::string xml;             // the JobsDetail element served
    std::optional<JobSpec> spec; // present for generated jobs
};

struct JobQuery {
    std::string tag;
    std::string queue_id, queue_type, workflow_id, input_object;
    std::vector<std::string> states;       // empty or contains "All" => every state
    std::optional<UnixSeconds> start, end; // strict: start < creation_time < end
    bool ascending = false;                // orderByTime=Asc; default Desc
};

// One page of a selection: the served XML of each job, and whether more follow.
struct JobPage {
    std::vector<std::string> xml;
    bool more = false;
};

class Dataset {
public:
    void add(JobSpec job);       // replaces a job with the same id
    void add_raw(StoredJob job); // loaded from XML
    // Jobs matching the query, sorted by (creation_time, job_id) in the
    // query's order: a snapshot copy.
    std::vector<StoredJob> select(const JobQuery& query) const;
    std::vector<JobSpec> specs() const; // every generated job, sorted by job id
    std::optional<JobSpec> find(const std::string& job_id) const;
    // The JobsDetail element GET /jobs serves for this job, generated or loaded.
    std::optional<std::string> detail_xml(const std::string& job_id) const;
    std::size_t size() const;
    // Moves every unfinished job (Submitted/Running/Pause) to Success with
    // outputs, MediaInfo and an end time: a late state change.
    std::size_t finish_unfinished(UnixSeconds end_time);
    // Forgets a job, as the service does with old history: lists no longer
    // return it and GET /jobs/<ids> names it in NonExistJobIds.
    bool remove(const std::string& job_id);

    // Loads every *.xml file in dir: each a <Response> with JobsDetail
    // elements, or a single <JobsDetail>. Throws std::runtime_error naming
    // the file on bad XML or a job without JobId/Tag/CreationTime.
    void load_directory(const std::string& dir);

    // select(query)[offset, offset + limit) without copying the other jobs:
    // what GET /jobs serves, O(page) when only tag/queue/time filters apply.
    JobPage select_page(const JobQuery& query, std::size_t offset, std::size_t limit) const;
    std::vector<std::string> queue_ids() const; // distinct non-empty queue ids, sorted
    bool has_tag(const std::string& tag) const;

private:
    using Sorted = std::vector<const StoredJob*>; // by (creation_time, job_id)

    void mark_changed();                                   // requires mutex_
    void rebuild_index() const;                            // requires mutex_
    const Sorted& candidates(const JobQuery& query) const; // requires mutex_
    template <typename Visit>
    void visit(const JobQuery& query, std::size_t offset, Visit&& visit_job) const;

    mutable std::mutex mutex_;
    std::map<std::string, StoredJob> jobs_; // by job id

    // Sorted views into jobs_, rebuilt on the first read after a change so
    // bulk loads stay O(N log N).
    mutable bool index_stale_ = true;
    mutable Sorted all_sorted_;
    mutable std::map<std::string, Sorted> by_tag_;
    mutable std::map<std::pair<std::string, std::string>, Sorted> by_tag_queue_;
    mutable std::map<std::pair<std::string, std::string>, Sorted> by_tag_queue_type_;
    mutable std::vector<std::string> queue_ids_;
};

} // namespace jobsync::emulator
