#include "emulator/request_log.hpp"

namespace jobsync::emulator {
namespace {

bool is_or_under(const std::string& path, const std::string& base)
{
    return path == base || path.rfind(base + "/", 0) == 0;
}

} // namespace

RequestKind request_kind(const std::string& path)
{
    const auto split = [&path](const std::string& base, RequestKind list, RequestKind one) {
        return path == base ? list : one;
    };
    if (is_or_under(path, "/jobs")) {
        return split("/jobs", RequestKind::jobs_list, RequestKind::jobs_by_id);
    }
    if (is_or_under(path, "/workflowexecution")) {
        return split("/workflowexecution", RequestKind::run_list, RequestKind::run_detail);
    }
    if (is_or_under(path, "/inventorytriggerjob")) {
        return split("/inventorytriggerjob", RequestKind::batch_list, RequestKind::batch_detail);
    }
    if (path == "/workflow") {
        return RequestKind::workflow_list;
    }
    return path == "/queue" ? RequestKind::queue_list : RequestKind::other;
}

void RequestLog::record(int status, const std::string& path, const std::string& query)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (status == 200) {
        ++answered_[static_cast<std::size_t>(request_kind(path))];
    }
    if (entries_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    entries_.push_back({status, path, query});
}

std::vector<LoggedRequest> RequestLog::entries() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
}

long RequestLog::answered(RequestKind kind) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_[static_cast<std::size_t>(kind)];
}

long RequestLog::dropped() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
}

void RequestLog::clear()
{
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    answered_.fill(0);
    dropped_ = 0;
}

std::string RequestLog::text() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const LoggedRequest& entry : entries_) {
        out += std::to_string(entry.status) + ' ' + entry.path;
        if (!entry.query.empty()) {
            out += '?' + entry.query;
        }
        out += '\n';
    }
    return out;
}

} // namespace jobsync::emulator
