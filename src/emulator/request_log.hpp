// The CI requests the emulator answered, in order, and the 200s per kind of
// request: what tests and benchmarks count beyond the totals of
// /_emulator/stats (which run's detail was fetched, each listing's pages and
// bounds). Bounded: past its capacity, entries are dropped and counted.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace jobsync::emulator {

enum class RequestKind {
    jobs_list,     // GET /jobs
    jobs_by_id,    // GET /jobs/<ids>
    queue_list,    // GET /queue
    workflow_list, // GET /workflow
    run_list,      // GET /workflowexecution
    run_detail,    // GET /workflowexecution/<RunId>
    batch_list,    // GET /inventorytriggerjob
    batch_detail,  // GET /inventorytriggerjob/<id>
    other,
};
inline constexpr std::size_t kRequestKinds = static_cast<std::size_t>(RequestKind::other) + 1;

RequestKind request_kind(const std::string& path);

struct LoggedRequest {
    int status = 0;
    std::string path;  // decoded
    std::string query; // raw, as sent
};

class RequestLog {
public:
    explicit RequestLog(std::size_t capacity = 200000) : capacity_(capacity) {}

    void record(int status, const std::string& path, const std::string& query);
    std::vector<LoggedRequest> entries() const;
    long answered(RequestKind kind) const; // status 200
    long dropped() const;                  // entries past the capacity
    void clear();
    // One line per entry: "<status> <path>[?<query>]".
    std::string text() const;

private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::vector<LoggedRequest> entries_;
    std::array<long, kRequestKinds> answered_{};
    long dropped_ = 0;
};

} // namespace jobsync::emulator
