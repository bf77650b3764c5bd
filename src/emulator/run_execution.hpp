// One workflow run as a WorkflowExecution element, in the two shapes the
// service sends it: the answer of GET /workflowexecution/<RunId> and the
// body of a WorkflowFinish callback.
#pragma once

#include "emulator/workflow_generator.hpp"

#include <string>

namespace jobsync::emulator {

enum class ExecutionShape {
    // The detail: Name or WorkflowName, "+08:00" times, Topology, Tasks repeated.
    detail,
    // The callback: BucketId, WorkflowName, a "2021-09-14 15:00:26+0800" time,
    // one Tasks holding a Task per task.
    callback,
};

// A run's time as the run samples write it: "2022-08-09T14:54:17+08:00".
std::string run_wire_time(UnixSeconds instant);

std::string workflow_execution_xml(const RunSpec& run, const std::string& bucket,
                                   ExecutionShape shape);

} // namespace jobsync::emulator
