#include "support/wait_until.hpp"

#include <stdexcept>
#include <thread>

namespace testing {

void wait_until(const std::function<bool()>& holds, std::chrono::milliseconds timeout,
                const std::string& what, std::chrono::milliseconds every)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!holds()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("timed out after " + std::to_string(timeout.count()) +
                                     " ms waiting until " + what);
        }
        std::this_thread::sleep_for(every);
    }
}

} // namespace testing
