#include "http_server/connection_deadlines.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace jobsync::http {

ConnectionDeadlines::ConnectionDeadlines(std::chrono::milliseconds deadline) : deadline_(deadline)
{
}

ConnectionDeadlines::~ConnectionDeadlines()
{
    stop();
}

void ConnectionDeadlines::start()
{
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { sweep(); });
    }
}

void ConnectionDeadlines::stop()
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void ConnectionDeadlines::opened(const void* connection, int fd)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    open_[connection] = Entry{fd, std::chrono::steady_clock::now(), false};
}

void ConnectionDeadlines::request_ended(const void* connection)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto found = open_.find(connection);
    if (found != open_.end()) {
        found->second.since = std::chrono::steady_clock::now();
    }
}

void ConnectionDeadlines::closed(const void* connection)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    open_.erase(connection);
}

void ConnectionDeadlines::sweep()
{
    // A quarter of the deadline between sweeps: a connection lives at most
    // 1.25 deadlines.
    const auto period =
        std::clamp(deadline_ / 4, std::chrono::milliseconds(20), std::chrono::milliseconds(1000));
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period, [this] { return stopping_; });
        const auto now = std::chrono::steady_clock::now();
        for (auto& [connection, entry] : open_) {
            if (!entry.cut && now - entry.since > deadline_) {
                // Under the mutex: closed() cannot run, so fd is still this connection's.
                shutdown(entry.fd, SHUT_RDWR);
                entry.cut = true;
            }
        }
    }
}

} // namespace jobsync::http
