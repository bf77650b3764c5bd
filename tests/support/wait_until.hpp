// Waiting in tests for a state, not for a time: poll a predicate until it
// holds, failing with what was awaited when it does not within the timeout.
// Kill points and hand-offs then follow committed progress, so a slow
// machine makes a test slower, never wrong.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace testing {

// Polls `holds` every `every` until it returns true; throws std::runtime_error
// naming `what` after `timeout`. The timeout is a hang guard, not a bound on
// speed: pick it generously.
void wait_until(const std::function<bool()>& holds, std::chrono::milliseconds timeout,
                const std::string& what,
                std::chrono::milliseconds every = std::chrono::milliseconds(20));

} // namespace testing
