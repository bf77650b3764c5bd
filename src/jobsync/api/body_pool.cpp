#include "jobsync/api/body_pool.hpp"

namespace jobsync {

std::string BodyPool::take()
{
    std::string body;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!buffers_.empty()) {
            body = std::move(buffers_.back());
            buffers_.pop_back();
        }
    }
    body.clear();
    return body;
}

void BodyPool::give(std::string body)
{
    if (body.capacity() > kMaxCapacity) {
        return;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    if (buffers_.size() < kMaxBuffers) {
        buffers_.push_back(std::move(body));
    }
}

std::size_t BodyPool::size() const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return buffers_.size();
}

} // namespace jobsync
