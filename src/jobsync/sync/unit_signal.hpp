// How a thread with nothing to claim waits for units that another thread (of
// any worker) is about to add: a LISTEN on the units' channel, one connection
// per process. Planners NOTIFY when they add slice units and every unit's end
// notifies too; a wait also ends after the lease, when a silent planner's
// unit becomes claimable.
#pragma once

#include "jobsync/config/config.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <memory>
#include <mutex>

namespace jobsync {

class UnitSignal {
public:
    UnitSignal(const DatabaseConfig& database, const std::string& channel);
    ~UnitSignal();
    UnitSignal(const UnitSignal&) = delete;
    UnitSignal& operator=(const UnitSignal&) = delete;

    // Notifications seen so far: read before looking for a unit, handed to wait().
    long long seen() const { return notifications_.load(); }

    // Returns once a notification arrives after `seen`, the timeout passes,
    // or the stop flag is raised.
    void wait(long long seen, long timeout_seconds, const std::atomic<bool>* stop_flag);

private:
    class Receiver;

    std::mutex mutex_; // one thread at a time reads the connection
    std::unique_ptr<pqxx::connection> conn_;
    std::unique_ptr<Receiver> receiver_;
    std::atomic<long long> notifications_{0};
};

} // namespace jobsync
