#include "jobsync/sync/round_membership.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_retry.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <sstream>

namespace jobsync {
namespace {

std::string host_name()
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

// A third of the lease, so two beats may be lost before it runs out, and at
// most 2 s, so the budget's shares follow workers joining and leaving.
std::chrono::milliseconds beat_for(long lease_seconds)
{
    return std::chrono::milliseconds(std::min(2000L, lease_seconds * 1000 / 3));
}

} // namespace

std::string make_worker_id()
{
    std::random_device random;
    std::ostringstream id;
    id << host_name() << ":" << ::getpid() << ":" << std::hex << random();
    return id.str();
}

RoundMembership::RoundMembership(const Config& config, const std::vector<Partition>& partitions,
                                 RateLimiter& limiter, const std::atomic<bool>* stop_flag)
    : limiter_(limiter), budget_(config.sync.max_requests_per_second), stop_flag_(stop_flag),
      beat_(beat_for(config.sync.lease_seconds)), presence_(config.database)
{
    worker_.schema = config.database.schema;
    worker_.worker_id = make_worker_id();
    worker_.lease_seconds = config.sync.lease_seconds;
    for (const Partition& partition : partitions) {
        worker_.partitions.push_back({partition.bucket(), partition.tag, partition.queue_id});
    }
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    round_id_ = perform(
        presence_, "joining the round",
        [&] {
            hold_presence_once();
            return round_store::join(presence_.conn(), worker_, host_name(),
                                     static_cast<int>(::getpid()));
        },
        retry);
    log_info("joined the sync round",
             {{"round", std::to_string(round_id_)}, {"worker", worker_.worker_id}});
    heartbeat_ = std::thread(&RoundMembership::heartbeat, this);
}

RoundMembership::~RoundMembership()
{
    leave();
}

void RoundMembership::hold_presence_once()
{
    const int backend = presence_.conn().backendpid();
    if (backend != presence_backend_) {
        round_store::hold_presence(presence_.conn(), worker_);
        presence_backend_ = backend;
    }
}

void RoundMembership::take_share(long live_walkers)
{
    if (budget_ > 0) {
        limiter_.set_rate(budget_ / static_cast<double>(std::max(1L, live_walkers)));
    }
}

void RoundMembership::heartbeat()
{
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, beat_, [this] { return leaving_; })) {
        lock.unlock();
        try {
            const long walkers = perform(
                presence_, "renewing the round's leases",
                [&] {
                    hold_presence_once();
                    return round_store::renew(presence_.conn(), round_id_, worker_);
                },
                retry);
            take_share(walkers);
        } catch (const std::exception& e) {
            // The walks go on; their leases run out if this goes on for long.
            log_warn("could not renew the round's leases", {{"error", e.what()}});
        }
        lock.lock();
    }
}

void RoundMembership::leave()
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (leaving_) {
            return;
        }
        leaving_ = true;
    }
    wake_.notify_all();
    heartbeat_.join();
    DbRetryOptions retry;
    retry.stop_flag = stop_flag_;
    try {
        perform(
            presence_, "leaving the round",
            [&] {
                hold_presence_once();
                round_store::leave(presence_.conn(), round_id_, worker_);
            },
            retry);
    } catch (const std::exception& e) {
        log_warn("could not leave the round; its leases will run out",
                 {{"round", std::to_string(round_id_)}, {"error", e.what()}});
    }
}

} // namespace jobsync
