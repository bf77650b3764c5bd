#include "emulator/jobs_request.hpp"

#include "emulator/listing_request.hpp"
#include "emulator/query_params.hpp"
#include "jobsync/core/api_tags.hpp"

#include <algorithm>
#include <array>

namespace jobsync::emulator {

bool is_documented_tag(const std::string& tag)
{
    // The API page's tags (the worker's list), plus ones the SDK notes name.
    static constexpr std::array<const char*, 5> kOtherTags{
        "SDRtoHDR", "VideoProcess", "SuperResolution", "PosterProduction", "FillConcat"};
    const std::vector<std::string>& api_tags = all_api_tags();
    return std::find(api_tags.begin(), api_tags.end(), tag) != api_tags.end() ||
           std::find(kOtherTags.begin(), kOtherTags.end(), tag) != kOtherTags.end();
}

std::optional<std::string> parse_jobs_request(const QueryParams& params, const Dataset& dataset,
                                              bool strict_times, JobsRequest& out)
{
    const std::string* tag = value_of(params, "tag");
    if (!tag) {
        return std::string("the tag parameter is required");
    }
    if (!is_documented_tag(*tag) && !dataset.has_tag(*tag)) {
        return "invalid tag: " + *tag;
    }
    out.query.tag = *tag;
    const std::pair<const char*, std::string*> strings[] = {
        {"queueId", &out.query.queue_id},
        {"queueType", &out.query.queue_type},
        {"workflowId", &out.query.workflow_id},
        {"inputObject", &out.query.input_object},
        {"nextToken", &out.next_token}};
    for (const auto& [name, target] : strings) {
        if (const std::string* value = value_of(params, name)) {
            *target = *value;
        }
    }
    if (auto error = parse_order(params, out.query.ascending)) {
        return error;
    }
    if (auto error = parse_size(params, out.size)) {
        return error;
    }
    if (auto error = parse_states(
            params, {"All", "Submitted", "Running", "Success", "Failed", "Pause", "Cancel"},
            out.query.states)) {
        return error;
    }
    if (auto error = parse_time(params, "startCreationTime", strict_times, out.query.start)) {
        return error;
    }
    return parse_time(params, "endCreationTime", strict_times, out.query.end);
}

} // namespace jobsync::emulator
