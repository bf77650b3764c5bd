// The body CI POSTs to a callback URL when a job finishes (TaskFinish), built
// from the JobsDetail element GET /jobs serves for the job, or when a workflow
// run finishes (WorkflowFinish), built from its WorkflowExecution element.
#pragma once

#include <string>
#include <string_view>

namespace jobsync::emulator {

// The callback's ResultFormat (a queue's NotifyConfig).
enum class CallbackFormat { xml, json };

// "xml" or "json"; throws std::invalid_argument naming anything else.
CallbackFormat parse_callback_format(std::string_view text);
std::string_view content_type_of(CallbackFormat format);

// XML: <Response><EventName>TaskFinish</EventName><JobsDetail>...</JobsDetail></Response>.
// JSON: {"EventName":"TaskFinish","JobsDetail":{...}} with the XML's element
// names as keys, in order; an element with children is an object, a repeated
// element an array, any other its text. jobs_detail_xml is one well-formed
// <JobsDetail> element (throws std::invalid_argument otherwise).
std::string task_finish_body(const std::string& jobs_detail_xml, CallbackFormat format);

// The same for a run: {"EventName":"WorkflowFinish","WorkflowExecution":{...}};
// its Tasks element holding one Task becomes {"Task":{...}}, several an array.
std::string workflow_finish_body(const std::string& execution_xml, CallbackFormat format);

} // namespace jobsync::emulator
