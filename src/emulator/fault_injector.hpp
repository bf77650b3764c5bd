// Decides, per valid /jobs request, whether to misbehave; deterministic for
// a seed, and changeable while the server runs.
#pragma once

#include "emulator/emulator_server.hpp"
#include "emulator/prng.hpp"

#include <mutex>

namespace jobsync::emulator {

enum class Fault { none, server_error, throttle, truncate };

class FaultInjector {
public:
    explicit FaultInjector(const FaultOptions& options) : options_(options), rng_(options.seed) {}

    // Replaces the options and restarts the sequence from their seed.
    void set(const FaultOptions& options)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        options_ = options;
        rng_ = Prng(options.seed);
    }

    FaultOptions get() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return options_;
    }

    Fault draw()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (options_.server_error_rate > 0 && rng_.chance(options_.server_error_rate)) {
            return Fault::server_error;
        }
        if (options_.throttle_rate > 0 && rng_.chance(options_.throttle_rate)) {
            return Fault::throttle;
        }
        if (options_.truncate_rate > 0 && rng_.chance(options_.truncate_rate)) {
            return Fault::truncate;
        }
        return Fault::none;
    }

    // Whether to refuse the token of a request that carries one.
    bool reject_token()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return options_.token_reject_rate > 0 && rng_.chance(options_.token_reject_rate);
    }

private:
    mutable std::mutex mutex_;
    FaultOptions options_;
    Prng rng_;
};

} // namespace jobsync::emulator
