// Response body buffers kept for reuse by the next request.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace jobsync {

// A page's body (~300 KB for 100 jobs) is above glibc's mmap threshold, so a
// new buffer per request costs an mmap, a page fault per 4 KiB as it fills
// and an munmap: more CPU than parsing it. Receiving into the buffer of a page
// already written costs none of that. Thread-safe: a prefetch takes while the
// walker gives back. Holds at most kMaxBuffers, each at most kMaxCapacity.
class BodyPool {
public:
    static constexpr std::size_t kMaxBuffers = 2;
    static constexpr std::size_t kMaxCapacity = 4 * 1024 * 1024;

    // An empty string, with the memory of a buffer given back when there is one.
    std::string take();

    // Keeps body's memory for a later take(); frees it when the pool is full
    // or it is larger than kMaxCapacity (one huge response must not stay resident).
    void give(std::string body);

    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> buffers_;
};

} // namespace jobsync
