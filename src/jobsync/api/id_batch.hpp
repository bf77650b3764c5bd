// How many job ids one GET /jobs/<ids> asks for. Shared by every client of a
// run: once the service refuses a batch size, no thread asks for it again.
#pragma once

#include <atomic>

namespace jobsync {

class IdBatchSize {
public:
    explicit IdBatchSize(int initial) : size_(initial < 1 ? 1 : initial) {}

    int current() const { return size_.load(); }

    // A batch of `refused` ids was refused: from now on at most half of it
    // (at least 1). Thread-safe; the change is logged once, by the thread
    // that made it, and a size already below is kept.
    void halve_after_refusal(int refused);

private:
    std::atomic<int> size_;
};

} // namespace jobsync
