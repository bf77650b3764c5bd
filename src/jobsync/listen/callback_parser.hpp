// CI's job-finished callbacks (TaskFinish, WorkflowFinish), in XML or JSON,
// reduced to what the listener trusts them for: which job ids (and which
// workflow run) to fetch. A callback is unsigned, so nothing else in it is
// ever written.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jobsync {

// How the ids arrived; stored in inbox.via.
enum class CallbackVia { xml, json, workflow };
std::string_view via_name(CallbackVia via);

struct CallbackJob {
    std::string job_id;
    std::string bucket; // Input/BucketId; "" when the body does not say
};

struct CallbackRun {
    std::string run_id;
    std::string bucket; // WorkflowExecution/BucketId; "" when the body does not say
};

struct CallbackHint {
    std::string event_name; // TaskFinish or WorkflowFinish
    CallbackVia via = CallbackVia::xml;
    std::vector<CallbackJob> jobs;  // at least one, unless run is set
    std::optional<CallbackRun> run; // WorkflowFinish: its RunId
};

// The body is not a notification the listener accepts; the message says what
// is wrong and where (answered as a 400).
class CallbackError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// More ids in one callback than this is not a job-finished notification.
constexpr std::size_t kMaxIdsPerCallback = 1000;

// XML when the body starts with '<', JSON when with '{' (after whitespace).
// TaskFinish: every JobsDetail's JobId (and Input/BucketId); JSON JobsDetail
// may be an object or an array. WorkflowFinish: WorkflowExecution's RunId
// and its Tasks/Task JobIds (a task without one is skipped). Ids must be
// letters, digits, '-' and '_' (they become a path segment of the by-id or
// detail request). Throws CallbackError.
CallbackHint parse_callback(const std::string& body);

} // namespace jobsync
