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
                                              bool strict_times, ListingRequest& out)
{
    const std::string* tag = value_of(params, "tag");
    if (!tag) {
        return std::string("the tag parameter is required");
    }
    if (!is_documented_tag(*tag) && !dataset.has_tag(*tag)) {
        return "invalid tag: " + *tag;
    }
    out.query.tag = *tag;
    return parse_listing_params(
        params,
        {{"queueId", &out.query.queue_id},
         {"queueType", &out.query.queue_type},
         {"workflowId", &out.query.workflow_id},
         {"inputObject", &out.query.input_object}},
        {"All", "Submitted", "Running", "Success", "Failed", "Pause", "Cancel"}, strict_times, out);
}

} // namespace jobsync::emulator
