// Fuzz target: parse_callback (a TaskFinish/WorkflowFinish body, XML or JSON)
// on any bytes. A CallbackError is the parser refusing the body (a 400);
// anything else escaping, or a crash, is a bug.
#include "jobsync/listen/callback_parser.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const jobsync::CallbackHint hint =
            jobsync::parse_callback(std::string(reinterpret_cast<const char*>(data), size));
        if (hint.jobs.empty() || hint.jobs.size() > jobsync::kMaxIdsPerCallback) {
            __builtin_trap(); // the parser promises at least one id and at most the cap
        }
    } catch (const jobsync::CallbackError&) {
        // refused: what a malformed or foreign body gets
    }
    return 0;
}
