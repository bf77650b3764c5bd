// Progress of an audit: a live line on a terminal (objects checked of those
// due, HEADs/s, ETA, missing and mismatched so far), a log line every minute
// otherwise.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace jobsync {

struct AuditProgressCounts {
    long due = 0;
    long checked = 0;
    long missing = 0;
    long mismatch = 0;
    long errors = 0;
};

// "audit  1200/5000 objects  24%  48/s  ETA 1m19s  missing 3  mismatch 1  errors 0"
std::string format_audit_progress(const AuditProgressCounts& counts, double elapsed_seconds);

class AuditProgress {
public:
    AuditProgress(bool interactive, std::chrono::seconds log_every = std::chrono::seconds(60));
    ~AuditProgress(); // stops the display thread and clears its line
    AuditProgress(const AuditProgress&) = delete;
    AuditProgress& operator=(const AuditProgress&) = delete;

    void update(const AuditProgressCounts& counts);

private:
    void run();

    bool interactive_;
    std::chrono::seconds log_every_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool drawn_ = false;
    AuditProgressCounts counts_;
    std::thread thread_;
};

} // namespace jobsync
