#include "jobsync/api/id_batch.hpp"

#include "jobsync/core/errors.hpp"

namespace jobsync {

std::vector<RefusedId>
send_bisecting(const std::vector<std::string>& ids,
               const std::function<void(const std::vector<std::string>&)>& send)
{
    std::vector<RefusedId> refused;
    if (ids.empty()) {
        return refused;
    }
    try {
        send(ids);
    } catch (const PartitionError& e) {
        // A 400 names no id: the batch's size, or any one of its ids, may be
        // what the service refuses.
        if (e.details().http_status != 400) {
            throw;
        }
        if (ids.size() == 1) {
            refused.push_back({ids.front(), e.what()});
            return refused;
        }
        const auto middle = ids.begin() + static_cast<long>(ids.size() / 2);
        for (std::vector<std::string> half : {std::vector<std::string>(ids.begin(), middle),
                                              std::vector<std::string>(middle, ids.end())}) {
            for (RefusedId& id : send_bisecting(half, send)) {
                refused.push_back(std::move(id));
            }
        }
    }
    return refused;
}

bool ByIdRefusals::record(const std::string& bucket, const std::string& error)
{
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_.emplace(bucket, error).second;
}

std::optional<std::string> ByIdRefusals::refusal(const std::string& bucket) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = errors_.find(bucket);
    return found == errors_.end() ? std::nullopt : std::optional<std::string>(found->second);
}

} // namespace jobsync
