#include "emulator/dataset.hpp"

#include "emulator/media_generator.hpp"

#include <algorithm>
#include <set>

namespace jobsync::emulator {
namespace {

StoredJob stored_from(JobSpec job)
{
    StoredJob stored;
    stored.job_id = job.job_id;
    stored.tag = job.tag;
    stored.queue_id = job.queue_id;
    stored.queue_type = job.queue_type;
    stored.state = job.state;
    stored.input_object = job.input_object;
    stored.workflow_id = job.workflow_id;
    stored.creation_time = job.creation_time;
    stored.xml = render_job_xml(job);
    stored.spec = std::move(job);
    return stored;
}

bool earlier(const StoredJob* a, const StoredJob* b)
{
    return a->creation_time != b->creation_time ? a->creation_time < b->creation_time
                                                : a->job_id < b->job_id;
}

bool all_states(const JobQuery& query)
{
    return query.states.empty() ||
           std::find(query.states.begin(), query.states.end(), "All") != query.states.end();
}

bool matches(const StoredJob& job, const JobQuery& query)
{
    if (!query.tag.empty() && job.tag != query.tag) {
        return false;
    }
    if (!query.queue_id.empty()) {
        if (job.queue_id != query.queue_id) {
            return false;
        }
    } else if (!query.queue_type.empty() && job.queue_type != query.queue_type) {
        return false;
    }
    if (!query.workflow_id.empty() && job.workflow_id != query.workflow_id) {
        return false;
    }
    if (!query.input_object.empty() && job.input_object != query.input_object) {
        return false;
    }
    if (!all_states(query) &&
        std::find(query.states.begin(), query.states.end(), job.state) == query.states.end()) {
        return false;
    }
    return (!query.start || job.creation_time > *query.start) &&
           (!query.end || job.creation_time < *query.end);
}

// True when the index chosen by candidates() plus the time window already
// decide the selection, so an offset can be applied by position.
bool index_decides(const JobQuery& query)
{
    const bool queue_decided =
        !query.tag.empty() || (query.queue_id.empty() && query.queue_type.empty());
    return queue_decided && query.workflow_id.empty() && query.input_object.empty() &&
           all_states(query);
}

bool unfinished(const std::string& state)
{
    return state == "Submitted" || state == "Running" || state == "Pause";
}

bool terminal(const std::string& state)
{
    return state == "Success" || state == "Failed" || state == "Cancel";
}

} // namespace

void Dataset::add(JobSpec job)
{
    StoredJob stored = stored_from(std::move(job)); // render outside the lock
    const std::string id = stored.job_id;
    bool finished = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto existing = jobs_.find(id);
        finished =
            existing != jobs_.end() && unfinished(existing->second.state) && terminal(stored.state);
        jobs_.insert_or_assign(id, std::move(stored));
        mark_changed();
    }
    if (finished) {
        notify_finished({id});
    }
}

void Dataset::add_raw(StoredJob job)
{
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string id = job.job_id;
    jobs_.insert_or_assign(id, std::move(job));
    mark_changed();
}

void Dataset::mark_changed()
{
    index_stale_ = true;
    ++version_;
}

std::uint64_t Dataset::version() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
}

std::vector<JobSpec> Dataset::workflow_specs() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<JobSpec> result;
    for (const auto& entry : jobs_) {
        if (entry.second.spec && !entry.second.workflow_id.empty()) {
            result.push_back(*entry.second.spec);
        }
    }
    return result;
}

// Called in creation order: a later writer replaces an earlier one.
void Dataset::index_objects(const StoredJob& job) const
{
    if (!job.spec || job.state != "Success") {
        return;
    }
    const JobSpec& spec = *job.spec;
    const UnixSeconds written = spec.end_time.value_or(spec.creation_time);
    for (const auto* files : {&spec.output_files, &spec.sprite_files}) {
        for (const OutputFileSpec& file : *files) {
            objects_[{file.bucket, file.object_name}] = {file.md5, spec.job_id, written};
        }
    }
}

std::optional<StoredObject> Dataset::find_object(const std::string& bucket,
                                                 const std::string& key) const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    if (index_stale_) {
        rebuild_index();
    }
    const auto found = objects_.find({bucket, key});
    return found == objects_.end() ? std::nullopt : std::optional<StoredObject>(found->second);
}

void Dataset::rebuild_index() const
{
    all_sorted_.clear();
    by_tag_.clear();
    by_tag_queue_.clear();
    by_tag_queue_type_.clear();
    queue_ids_.clear();
    objects_.clear();
    all_sorted_.reserve(jobs_.size());
    for (const auto& entry : jobs_) {
        all_sorted_.push_back(&entry.second);
    }
    std::sort(all_sorted_.begin(), all_sorted_.end(), earlier);
    // Appending in sorted order keeps every derived list sorted too.
    for (const StoredJob* job : all_sorted_) {
        by_tag_[job->tag].push_back(job);
        by_tag_queue_[{job->tag, job->queue_id}].push_back(job);
        by_tag_queue_type_[{job->tag, job->queue_type}].push_back(job);
        if (!job->queue_id.empty()) {
            queue_ids_.push_back(job->queue_id);
        }
        index_objects(*job);
    }
    std::sort(queue_ids_.begin(), queue_ids_.end());
    queue_ids_.erase(std::unique(queue_ids_.begin(), queue_ids_.end()), queue_ids_.end());
    index_stale_ = false;
}

const Dataset::Sorted& Dataset::candidates(const JobQuery& query) const
{
    static const Sorted kNone;
    if (index_stale_) {
        rebuild_index();
    }
    if (query.tag.empty()) {
        return all_sorted_;
    }
    if (!query.queue_id.empty()) {
        const auto found = by_tag_queue_.find({query.tag, query.queue_id});
        return found == by_tag_queue_.end() ? kNone : found->second;
    }
    if (!query.queue_type.empty()) {
        const auto found = by_tag_queue_type_.find({query.tag, query.queue_type});
        return found == by_tag_queue_type_.end() ? kNone : found->second;
    }
    const auto found = by_tag_.find(query.tag);
    return found == by_tag_.end() ? kNone : found->second;
}

// Calls visit_job for each match after skipping `offset` of them, in the
// query's order, until visit_job returns false. Requires mutex_.
template <typename Visit>
void Dataset::visit(const JobQuery& query, std::size_t offset, Visit&& visit_job) const
{
    const Sorted& list = candidates(query);
    auto first = list.begin();
    auto last = list.end();
    if (query.start) {
        const UnixSeconds start = *query.start;
        first = std::upper_bound(
            list.begin(), list.end(), start,
            [](UnixSeconds t, const StoredJob* job) { return t < job->creation_time; });
    }
    if (query.end) {
        const UnixSeconds end = *query.end;
        last = std::lower_bound(first, list.end(), end, [](const StoredJob* job, UnixSeconds t) {
            return job->creation_time < t;
        });
    }
    if (first >= last) {
        return;
    }
    const auto count = static_cast<std::size_t>(last - first);
    const bool by_position = index_decides(query);
    if (by_position && offset >= count) {
        return;
    }
    for (std::size_t i = by_position ? offset : 0; i < count; ++i) {
        const StoredJob* job = query.ascending ? first[static_cast<std::ptrdiff_t>(i)]
                                               : last[-1 - static_cast<std::ptrdiff_t>(i)];
        if (!by_position && !matches(*job, query)) {
            continue;
        }
        if (!by_position && offset > 0) {
            --offset;
            continue;
        }
        if (!visit_job(*job)) {
            return;
        }
    }
}

std::vector<StoredJob> Dataset::select(const JobQuery& query) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StoredJob> selected;
    visit(query, 0, [&](const StoredJob& job) {
        selected.push_back(job);
        return true;
    });
    return selected;
}

JobPage Dataset::select_page(const JobQuery& query, std::size_t offset, std::size_t limit) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    JobPage page;
    page.xml.reserve(std::min<std::size_t>(limit, 1000));
    visit(query, offset, [&](const StoredJob& job) {
        if (page.xml.size() == limit) {
            page.more = true;
            return false;
        }
        page.xml.push_back(job.xml);
        return true;
    });
    return page;
}

std::vector<JobSpec> Dataset::specs() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<JobSpec> result;
    for (const auto& entry : jobs_) {
        if (entry.second.spec) {
            result.push_back(*entry.second.spec);
        }
    }
    return result;
}

std::optional<JobSpec> Dataset::find(const std::string& job_id) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = jobs_.find(job_id);
    if (found == jobs_.end()) {
        return std::nullopt;
    }
    return found->second.spec;
}

std::optional<std::string> Dataset::detail_xml(const std::string& job_id) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = jobs_.find(job_id);
    if (found == jobs_.end()) {
        return std::nullopt;
    }
    return found->second.xml;
}

std::size_t Dataset::size() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return jobs_.size();
}

bool Dataset::remove(const std::string& job_id)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (jobs_.erase(job_id) == 0) {
        return false;
    }
    mark_changed();
    return true;
}

template <typename Chosen>
std::vector<std::string> Dataset::finish_where(UnixSeconds end_time, Chosen&& chosen)
{
    std::vector<std::string> finished;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& entry : jobs_) {
            StoredJob& stored = entry.second;
            // Loaded jobs have no spec to re-render from; they keep their state.
            if (!stored.spec || !unfinished(stored.state) || !chosen(stored.job_id)) {
                continue;
            }
            JobSpec job = *stored.spec;
            complete_job(job, end_time);
            stored = stored_from(std::move(job));
            finished.push_back(stored.job_id);
        }
        if (!finished.empty()) {
            mark_changed();
        }
    }
    if (!finished.empty()) {
        notify_finished(finished);
    }
    return finished;
}

std::size_t Dataset::finish_unfinished(UnixSeconds end_time)
{
    return finish_where(end_time, [](const std::string&) { return true; }).size();
}

std::size_t Dataset::finish_jobs(const std::vector<std::string>& job_ids, UnixSeconds end_time)
{
    const std::set<std::string> chosen(job_ids.begin(), job_ids.end());
    return finish_where(end_time, [&](const std::string& id) { return chosen.count(id) > 0; })
        .size();
}

std::vector<std::string> Dataset::finished_since(UnixSeconds since) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, stored] : jobs_) {
        if (stored.spec && terminal(stored.state) && stored.spec->end_time &&
            *stored.spec->end_time >= since) {
            ids.push_back(id);
        }
    }
    return ids;
}

void Dataset::set_finish_observer(FinishObserver observer)
{
    std::lock_guard<std::mutex> lock(observer_mutex_);
    observer_ = std::move(observer);
}

void Dataset::notify_finished(const std::vector<std::string>& job_ids) const
{
    std::lock_guard<std::mutex> lock(observer_mutex_);
    if (observer_) {
        observer_(job_ids);
    }
}

std::vector<std::string> Dataset::queue_ids() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_stale_) {
        rebuild_index();
    }
    return queue_ids_;
}

bool Dataset::has_tag(const std::string& tag) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_stale_) {
        rebuild_index();
    }
    return by_tag_.count(tag) > 0;
}

} // namespace jobsync::emulator
