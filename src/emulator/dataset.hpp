// The emulator's jobs: generated from a seed, or loaded from XML files;
// thread-safe, and mutable so tests can add jobs and change states.
#pragma once

#include "emulator/job_generator.hpp"
#include "emulator/job_spec.hpp"

#include <cstdint>
#include <functional>
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

// An output object as the emulated COS holds it: the one the newest Success
// generated job naming it in MediaResult (OutputFile or SpriteOutputFile) wrote.
struct StoredObject {
    std::string md5; // as that job reported it; may be empty
    std::string job_id;
    UnixSeconds last_modified = 0; // the job's end time
};

// One page of a selection: the served XML of each job, and whether more follow.
struct JobPage {
    std::vector<std::string> xml;
    bool more = false;
};

// Told the ids of jobs that just reached a terminal state (Success, Failed,
// Cancel), on the thread that changed them, after the dataset's lock is released.
using FinishObserver = std::function<void(const std::vector<std::string>& job_ids)>;

class Dataset {
public:
    // Replaces a job with the same id; an unfinished job replaced by a
    // terminal one counts as finished (the observer hears of it).
    void add(JobSpec job);
    void add_raw(StoredJob job); // loaded from XML
    // Jobs matching the query, sorted by (creation_time, job_id) in the
    // query's order: a snapshot copy.
    std::vector<StoredJob> select(const JobQuery& query) const;
    std::vector<JobSpec> specs() const; // every generated job, sorted by job id
    // The generated jobs that carry a workflow id, sorted by job id.
    std::vector<JobSpec> workflow_specs() const;
    // Changes with every add, finish and remove: a cache of derived data
    // (the workflow catalog) is current while this is unchanged.
    std::uint64_t version() const;
    std::optional<JobSpec> find(const std::string& job_id) const;
    // The JobsDetail element GET /jobs serves for this job, generated or loaded.
    std::optional<std::string> detail_xml(const std::string& job_id) const;
    std::size_t size() const;
    // Moves every unfinished job (Submitted/Running/Pause) to Success with
    // outputs, MediaInfo and an end time: a late state change.
    std::size_t finish_unfinished(UnixSeconds end_time);
    // The same for these ids only (unknown or finished ones are skipped).
    std::size_t finish_jobs(const std::vector<std::string>& job_ids, UnixSeconds end_time);
    // Generated jobs in a terminal state whose end time is at or after `since`,
    // by job id (loaded jobs have no structured end time and are left out).
    std::vector<std::string> finished_since(UnixSeconds since) const;
    // One observer at a time ({} => none): the emulator's callback sender.
    void set_finish_observer(FinishObserver observer);
    // Forgets a job, as the service does with old history: lists no longer
    // return it and GET /jobs/<ids> names it in NonExistJobIds.
    bool remove(const std::string& job_id);

    // select(query)[offset, offset + limit) without copying the other jobs:
    // what GET /jobs serves, O(page) when only tag/queue/time filters apply.
    JobPage select_page(const JobQuery& query, std::size_t offset, std::size_t limit) const;
    std::vector<std::string> queue_ids() const; // distinct non-empty queue ids, sorted
    bool has_tag(const std::string& tag) const;
    std::optional<StoredObject> find_object(const std::string& bucket,
                                            const std::string& key) const;

private:
    using Sorted = std::vector<const StoredJob*>; // by (creation_time, job_id)

    void mark_changed(); // requires mutex_
    template <typename Chosen>
    std::vector<std::string> finish_where(UnixSeconds end_time, Chosen&& chosen);
    void notify_finished(const std::vector<std::string>& job_ids) const; // without mutex_
    void rebuild_index() const;                                          // requires mutex_
    void index_objects(const StoredJob& job) const;                      // requires mutex_
    const Sorted& candidates(const JobQuery& query) const;               // requires mutex_
    template <typename Visit>
    void visit(const JobQuery& query, std::size_t offset, Visit&& visit_job) const;

    mutable std::mutex mutex_;
    std::map<std::string, StoredJob> jobs_; // by job id
    std::uint64_t version_ = 0;
    mutable std::mutex observer_mutex_;
    FinishObserver observer_;

    // Sorted views into jobs_, rebuilt on the first read after a change so
    // bulk loads stay O(N log N).
    mutable bool index_stale_ = true;
    mutable Sorted all_sorted_;
    mutable std::map<std::string, Sorted> by_tag_;
    mutable std::map<std::pair<std::string, std::string>, Sorted> by_tag_queue_;
    mutable std::map<std::pair<std::string, std::string>, Sorted> by_tag_queue_type_;
    mutable std::vector<std::string> queue_ids_;
    mutable std::map<std::pair<std::string, std::string>, StoredObject> objects_;
};

} // namespace jobsync::emulator
