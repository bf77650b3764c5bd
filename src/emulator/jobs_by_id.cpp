#include "emulator/jobs_by_id.hpp"

#include "emulator/xml_escape.hpp"

#include <algorithm>
#include <vector>

namespace jobsync::emulator {
namespace {

constexpr std::string_view kPrefix = "/jobs/";

Rejection invalid(const std::string& message)
{
    return {400, "InvalidArgument", message};
}

// Every comma-separated id, empty ones included (the caller refuses those).
std::vector<std::string> split_ids(std::string_view text)
{
    std::vector<std::string> ids;
    std::size_t pos = 0;
    while (true) {
        const auto comma = text.find(',', pos);
        ids.emplace_back(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
        if (comma == std::string_view::npos) {
            return ids;
        }
        pos = comma + 1;
    }
}

std::string join(const std::vector<std::string>& items)
{
    std::string joined;
    for (const std::string& item : items) {
        joined += (joined.empty() ? "" : ",") + item;
    }
    return joined;
}

} // namespace

std::optional<Rejection> describe_jobs_by_id(std::string_view path, const Dataset& dataset,
                                             NonExistStyle style,
                                             const std::vector<std::string>& refused_ids,
                                             std::string& body)
{
    const std::vector<std::string> ids = split_ids(path.substr(kPrefix.size()));
    if (ids.size() > kMaxJobIdsPerRequest) {
        return invalid("at most " + std::to_string(kMaxJobIdsPerRequest) +
                       " job ids per request, got " + std::to_string(ids.size()));
    }
    if (ids.size() == 1 && ids.front().empty()) {
        return invalid("the job id list after /jobs/ is empty");
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i].empty()) {
            return invalid("job id " + std::to_string(i + 1) + " of " + std::to_string(ids.size()) +
                           " in the path is empty");
        }
    }
    for (const std::string& id : ids) {
        if (std::find(refused_ids.begin(), refused_ids.end(), id) != refused_ids.end()) {
            return invalid("job id " + id + " is refused (injected fault)");
        }
    }
    std::vector<std::string> served; // an id asked for twice is answered once
    std::vector<std::string> missing;
    body = "<Response>";
    for (const std::string& id : ids) {
        if (std::find(served.begin(), served.end(), id) != served.end() ||
            std::find(missing.begin(), missing.end(), id) != missing.end()) {
            continue;
        }
        if (const auto xml = dataset.detail_xml(id)) {
            body += *xml;
            served.push_back(id);
        } else {
            missing.push_back(id);
        }
    }
    if (style == NonExistStyle::joined && !missing.empty()) {
        append_element(body, "NonExistJobIds", join(missing));
    } else {
        for (const std::string& id : missing) {
            append_element(body, "NonExistJobIds", id);
        }
    }
    body += "</Response>";
    return std::nullopt;
}

} // namespace jobsync::emulator
