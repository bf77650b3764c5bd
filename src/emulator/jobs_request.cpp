#include "emulator/jobs_request.hpp"

#include "emulator/query_params.hpp"
#include "jobsync/core/api_tags.hpp"

#include <algorithm>
#include <array>

namespace jobsync::emulator {
namespace {

constexpr std::size_t kMaxSize = 100;

const std::string* value_of(const QueryParams& params, const char* name)
{
    const std::string* value = find_param(params, name);
    return value && !value->empty() ? value : nullptr;
}

std::optional<std::string> parse_size(const QueryParams& params, std::size_t& size)
{
    const std::string* text = value_of(params, "size");
    if (!text) {
        return std::nullopt;
    }
    if (text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos) {
        return "size must be an integer between 1 and 100";
    }
    size = static_cast<std::size_t>(std::stoul(*text));
    if (size < 1 || size > kMaxSize) {
        return "size must be an integer between 1 and 100";
    }
    return std::nullopt;
}

std::optional<std::string> parse_states(const QueryParams& params, std::vector<std::string>& out)
{
    static constexpr std::array<const char*, 7> kStates{"All",    "Submitted", "Running", "Success",
                                                        "Failed", "Pause",     "Cancel"};
    const std::string* text = value_of(params, "states");
    if (!text) {
        return std::nullopt;
    }
    for (const std::string& state : split_list(*text, ',')) {
        if (std::find(kStates.begin(), kStates.end(), state) == kStates.end()) {
            return "invalid states: " + *text;
        }
        out.push_back(state);
    }
    return std::nullopt;
}

// Exactly "2024-01-01T00:00:00+0800": the shape, not the values (parse_api_time checks those).
bool has_documented_shape(const std::string& text)
{
    static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd+dddd";
    if (text.size() != sizeof kShape - 1) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool ok = kShape[i] == 'd'   ? c >= '0' && c <= '9'
                        : kShape[i] == '+' ? c == '+' || c == '-'
                                           : c == kShape[i];
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> parse_time(const QueryParams& params, const char* name, bool strict,
                                      std::optional<UnixSeconds>& out)
{
    const std::string* text = value_of(params, name);
    if (!text) {
        return std::nullopt;
    }
    out = strict && !has_documented_shape(*text) ? std::nullopt : parse_api_time(*text);
    if (!out) {
        return std::string("invalid ") + name + ": " + *text +
               " (expected %Y-%m-%dT%H:%M:%S%z, e.g. 2024-01-01T00:00:00+0800)";
    }
    return std::nullopt;
}

} // namespace

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
    if (const std::string* order = value_of(params, "orderByTime")) {
        if (*order != "Asc" && *order != "Desc") {
            return "orderByTime must be Asc or Desc";
        }
        out.query.ascending = *order == "Asc";
    }
    if (auto error = parse_size(params, out.size)) {
        return error;
    }
    if (auto error = parse_states(params, out.query.states)) {
        return error;
    }
    if (auto error = parse_time(params, "startCreationTime", strict_times, out.query.start)) {
        return error;
    }
    return parse_time(params, "endCreationTime", strict_times, out.query.end);
}

} // namespace jobsync::emulator
