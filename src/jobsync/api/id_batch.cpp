#include "jobsync/api/id_batch.hpp"

#include "jobsync/core/logger.hpp"

#include <string>

namespace jobsync {

void IdBatchSize::halve_after_refusal(int refused)
{
    const int target = refused / 2 < 1 ? 1 : refused / 2;
    int current = size_.load();
    while (current > target) {
        if (size_.compare_exchange_weak(current, target)) {
            log_warn("the service refused a batch of job ids; asking for fewer per request",
                     {{"refused", std::to_string(refused)},
                      {"ids_per_request", std::to_string(target)}});
            return;
        }
    }
}

} // namespace jobsync
