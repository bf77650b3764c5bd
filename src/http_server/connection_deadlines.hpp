// An overall deadline per request: libmicrohttpd's own timeout is an idle one
// that every trickled byte resets, so a client sending a byte a second could
// hold a connection (and its share of the connection limit) for ever. A sweep
// thread shuts down the socket of a connection whose current request has run
// past the deadline; libmicrohttpd then sees the end of the stream and closes
// the connection in its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace jobsync::http {

class ConnectionDeadlines {
public:
    explicit ConnectionDeadlines(std::chrono::milliseconds deadline);
    ~ConnectionDeadlines(); // stops the sweep
    ConnectionDeadlines(const ConnectionDeadlines&) = delete;
    ConnectionDeadlines& operator=(const ConnectionDeadlines&) = delete;

    void start(); // the sweep thread
    void stop();

    // A connection opened on socket fd: its first request's clock starts.
    void opened(const void* connection, int fd);
    // Its request was answered: the clock restarts for the next one.
    void request_ended(const void* connection);
    // Called before its socket is closed, so the sweep never touches an fd
    // that may already belong to another connection.
    void closed(const void* connection);

private:
    struct Entry {
        int fd = -1;
        std::chrono::steady_clock::time_point since;
        bool cut = false;
    };
    void sweep();

    const std::chrono::milliseconds deadline_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::unordered_map<const void*, Entry> open_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace jobsync::http
