#include "jobsync/parse/required_fields.hpp"

#include "jobsync/core/utf8.hpp"

namespace jobsync {

namespace {

// Why a key column (job_id, tag) cannot take value; nullopt when it can.
std::optional<std::string> key_problem(std::string_view value)
{
    if (value.size() > kMaxKeyBytes) {
        return " is longer than " + std::to_string(kMaxKeyBytes) + " bytes (" +
               std::to_string(value.size()) + ")";
    }
    if (!is_valid_utf8(value)) {
        return std::string(" is not valid UTF-8");
    }
    return std::nullopt;
}

} // namespace

std::optional<Rejection> id_problem(std::string_view item_element, std::string_view id_element,
                                    std::string_view id, std::size_t position)
{
    const std::string where = std::string(item_element) + " #" + std::to_string(position);
    const std::string field(id_element);
    if (id.empty()) {
        return Rejection{field, where + " has no " + field};
    }
    const std::optional<std::string> problem = key_problem(id);
    if (problem) {
        return Rejection{field, where + ": " + field + " " + quoted(id) + *problem};
    }
    return std::nullopt;
}

std::optional<Rejection> job_id_problem(std::string_view job_id, std::size_t position)
{
    return id_problem("JobsDetail", "JobId", job_id, position);
}

std::optional<Rejection> read_required(JobContext& ctx, const xml::Node* detail, JobRecord& job)
{
    const std::optional<std::string_view> tag = ctx.decoded(xml::child(detail, "Tag"));
    if (!tag) {
        return Rejection{"Tag", ctx.who() + ": Tag has a bad character reference"};
    }
    job.tag = *tag;
    if (job.tag.empty()) {
        return Rejection{"Tag", ctx.who() + " (JobsDetail #" + std::to_string(ctx.position) +
                                    ") has no Tag"};
    }
    if (const std::optional<std::string> problem = key_problem(job.tag)) {
        return Rejection{"Tag", ctx.who() + ": Tag " + quoted(job.tag) + *problem};
    }
    const xml::Node* created = xml::child(detail, "CreationTime");
    if (created == nullptr) {
        return Rejection{"CreationTime", ctx.who() + " has no CreationTime"};
    }
    const std::optional<std::string_view> decoded_time = ctx.decoded(created);
    if (!decoded_time) {
        return Rejection{"CreationTime",
                         ctx.who() + ": CreationTime has a bad character reference"};
    }
    const std::string_view creation_time = *decoded_time;
    const std::optional<UnixSeconds> instant = parse_api_time(creation_time);
    if (!instant) {
        return Rejection{"CreationTime", ctx.who() + ": CreationTime " + quoted(creation_time) +
                                             " is not a valid time"};
    }
    if (!is_storable_time(*instant)) {
        return Rejection{"CreationTime", ctx.who() + ": CreationTime " + quoted(creation_time) +
                                             " is outside the years 1 to 9999"};
    }
    job.creation_time = *instant;
    return std::nullopt;
}

} // namespace jobsync
