// What `listen` counts, served as Prometheus text on GET /metrics.
#pragma once

#include "jobsync/db/inbox_store.hpp"
#include "jobsync/listen/inbox_drain.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

// Why a request to the callback path was not acknowledged.
enum class RefusalReason { token, path, method, body, bucket, too_large, database, count };
std::string_view reason_name(RefusalReason reason);

class ListenMetrics {
public:
    void accepted() { ++accepted_; }
    void refused(RefusalReason reason) { ++refused_[static_cast<std::size_t>(reason)]; }
    void ignored(long ids) { ignored_ += ids; } // ids of an unconfigured bucket left out
    void drained(const DrainStats& batch);

    long accepted_count() const { return accepted_.load(); }
    long refused_count(RefusalReason reason) const
    {
        return refused_[static_cast<std::size_t>(reason)].load();
    }
    DrainStats drain_totals() const;

    // The exposition; without the inbox's activity (the database did not
    // answer) its gauges are left out.
    std::string render(const std::optional<inbox_store::InboxActivity>& inbox) const;

private:
    std::atomic<long> accepted_{0};
    std::atomic<long> ignored_{0};
    std::array<std::atomic<long>, static_cast<std::size_t>(RefusalReason::count)> refused_{};
    mutable std::mutex mutex_;
    DrainStats drained_;
};

} // namespace jobsync
