#include "jobsync/sync/unit_signal.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/database.hpp"

#include <chrono>

namespace jobsync {

class UnitSignal::Receiver : public pqxx::notification_receiver {
public:
    Receiver(pqxx::connection& conn, const std::string& channel, std::atomic<long long>& count)
        : pqxx::notification_receiver(conn, channel), count_(count)
    {
    }
    void operator()(const std::string&, int) override { ++count_; }

private:
    std::atomic<long long>& count_;
};

UnitSignal::UnitSignal(const DatabaseConfig& database, const std::string& channel)
    : conn_(open_connection(database)),
      receiver_(std::make_unique<Receiver>(*conn_, channel, notifications_))
{
}

UnitSignal::~UnitSignal() = default;

void UnitSignal::wait(long long seen, long timeout_seconds, const std::atomic<bool>* stop_flag)
{
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1L, timeout_seconds));
    const std::lock_guard<std::mutex> lock(mutex_);
    // A second at a time, so a stop is seen promptly; a notification ends it
    // at once (the socket wakes the wait).
    while (notifications_.load() == seen && std::chrono::steady_clock::now() < deadline &&
           (stop_flag == nullptr || !stop_flag->load())) {
        try {
            conn_->await_notification(1, 0);
        } catch (const pqxx::broken_connection& e) {
            // pqxx reconnects and listens again on next use; look for units now.
            log_debug("the units' channel was lost", {{"error", e.what()}});
            return;
        }
    }
}

} // namespace jobsync
