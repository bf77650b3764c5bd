// GET /inventorytriggerjob (batch jobs: inclusive creation-time bounds,
// token paging like /jobs) and GET /inventorytriggerjob/<id> (one, or its id
// in NonExistJobId).
#include "emulator/listing_page.hpp"
#include "emulator/listing_request.hpp"
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>
#include <utility>

namespace jobsync::emulator {
namespace {

const std::string kPrefix = "/inventorytriggerjob/";

// tag "inventorytriggerjob"; queue_type holds type, queue_id jobId, input_object name
std::optional<std::string> parse_batch_request(const QueryParams& params, bool strict_times,
                                               ListingRequest& out)
{
    out.query.tag = "inventorytriggerjob";
    const std::string* type = value_of(params, "type");
    if (!is_one_of(type, {"Workflow", "Job"})) {
        return std::string("type must be Workflow or Job");
    }
    if (type) {
        out.query.queue_type = *type;
    }
    return parse_listing_params(
        params,
        {{"workflowId", &out.query.workflow_id},
         {"jobId", &out.query.queue_id},
         {"name", &out.query.input_object}},
        {"All", "Submitted", "Running", "Success", "Failed", "Pause", "Cancel"}, strict_times, out);
}

// Inclusive bounds, unlike /jobs.
bool matches(const BatchJobSpec& job, const JobQuery& query)
{
    const bool any_state =
        query.states.empty() ||
        std::find(query.states.begin(), query.states.end(), "All") != query.states.end();
    return (query.queue_type.empty() || job.type == query.queue_type) &&
           (query.workflow_id.empty() || job.workflow_id == query.workflow_id) &&
           (query.queue_id.empty() || job.job_id == query.queue_id) &&
           (query.input_object.empty() || job.name == query.input_object) &&
           (any_state ||
            std::find(query.states.begin(), query.states.end(), job.state) != query.states.end()) &&
           (!query.start || job.creation_time >= *query.start) &&
           (!query.end || job.creation_time <= *query.end);
}

void append_batch_job(std::string& body, const BatchJobSpec& job, const std::string& bucket)
{
    body += "<JobsDetail>";
    append_element(body, "Code", job.code);
    append_element(body, "Message", job.message);
    append_element(body, "Type", job.type);
    append_element(body, "Name", job.name);
    append_element(body, "JobId", job.job_id);
    append_element(body, "State", job.state);
    append_element(body, "CreationTime", wire_time(job.creation_time));
    append_element(body, "StartTime", wire_time(job.start_time));
    append_element(body, "EndTime", wire_time(job.end_time));
    body += "<Input>";
    append_element(body, "Prefix", job.input_prefix);
    body += "</Input><Operation>";
    body += "<TimeInterval>";
    append_element(body, "Start", wire_time(job.creation_time - 30 * 86400));
    append_element(body, "End", wire_time(job.creation_time));
    body += "</TimeInterval>";
    if (job.type == "Workflow") {
        append_element(body, "WorkflowIds", job.workflow_id);
    } else {
        append_element(body, "Tag", "Transcode");
        body += "<Output>";
        append_element(body, "Region", "ap-guangzhou");
        append_element(body, "Bucket", bucket);
        append_element(body, "Object", "output/batch/${InputName}.mp4");
        body += "</Output>";
    }
    body += "</Operation></JobsDetail>";
}

std::optional<Rejection> list_batch_jobs(const QueryParams& params, const WorkflowData& data,
                                         const TokenRules& tokens, bool strict_times,
                                         const std::string& request_id, const std::string& bucket,
                                         std::string& body)
{
    ListingRequest request;
    if (const auto problem = parse_batch_request(params, strict_times, request)) {
        return Rejection{400, "InvalidArgument", *problem};
    }
    // "<JobsDetail/>": the answer when nothing matches, as /jobs gives it.
    return list_page(
        request, data.batch_jobs, tokens, request_id, "<JobsDetail/>",
        [](const BatchJobSpec& job, const JobQuery& query) { return matches(job, query); },
        [&bucket](std::string& out, const BatchJobSpec& job) {
            append_batch_job(out, job, bucket);
        },
        body);
}

void describe_batch_job(const std::string& job_id, const WorkflowData& data,
                        const std::string& request_id, const std::string& bucket, std::string& body)
{
    body = "<Response>";
    append_element(body, "RequestId", request_id);
    const auto found = std::find_if(data.batch_jobs.begin(), data.batch_jobs.end(),
                                    [&](const BatchJobSpec& job) { return job.job_id == job_id; });
    if (found == data.batch_jobs.end()) {
        body += "<JobsDetail/>";
        append_element(body, "NonExistJobId", job_id);
    } else {
        append_batch_job(body, *found, bucket);
    }
    body += "</Response>";
}

} // namespace

HttpResponse RequestHandler::handle_batch_jobs(const Exchange& exchange)
{
    return serve_with_faults(
        exchange,
        [&](std::string& body) -> std::optional<Rejection> {
            const std::shared_ptr<const WorkflowData> data = workflows_.current();
            const std::string& path = exchange.request.path;
            if (path.size() > kPrefix.size()) {
                describe_batch_job(path.substr(kPrefix.size()), *data, exchange.request_id,
                                   generator_.bucket, body);
                return std::nullopt;
            }
            return list_batch_jobs(exchange.params, *data, token_rules(), rules_.strict_times,
                                   exchange.request_id, generator_.bucket, body);
        },
        workflow_requests_);
}

} // namespace jobsync::emulator
