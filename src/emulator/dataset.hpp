// The emulator's jobs: generated from a seed, or loaded from XML files;
// thread-safe, and mutable so tests can add jobs and change states.
#pragma once

#include "emulator/job_generator.hpp"
#include "emulator/job_spec.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobsync::emulator {

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
