// Fuzz target: parse_jobs_page on any bytes. Besides not crashing, every job
// it returns must be storable: each value valid for its column, the detail
// accepted by the xml type.
#include "jobsync/core/utf8.hpp"
#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/xml/xml_chars.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

using namespace jobsync;

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

void require_text(OptText value, const char* what)
{
    require(!value || is_valid_utf8(*value), what);
}

template <std::size_t N>
void require_values(const FieldValues<N>& values, const std::array<FieldSpec, N>& specs)
{
    for (std::size_t i = 0; i < N; ++i) {
        require(!values[i] || value_problem(*values[i], specs[i].type) == nullptr,
                "a media value its column refuses");
    }
}

void require_int4(const std::optional<long long>& value, const char* what)
{
    require(!value || (*value >= std::numeric_limits<std::int32_t>::min() &&
                       *value <= std::numeric_limits<std::int32_t>::max()),
            what);
}

void check_job(const JobRecord& job)
{
    require(!job.job_id.empty() && job.job_id.size() <= kMaxKeyBytes, "JobId length");
    require(is_valid_utf8(job.job_id) && is_valid_utf8(job.tag), "key UTF-8");
    require(is_storable_time(job.creation_time), "CreationTime range");
    require(!job.start_time || is_storable_time(*job.start_time), "StartTime range");
    require(!job.end_time || is_storable_time(*job.end_time), "EndTime range");
    require_int4(job.progress, "Progress range");
    require_int4(job.job_level, "JobLevel range");
    for (OptText text : {job.sub_tag, job.state, job.code, job.message, job.queue_id,
                         job.queue_type, job.input_object, job.user_data, job.workflow_name}) {
        require_text(text, "text UTF-8");
    }
    require(is_valid_utf8(job.detail_xml), "detail UTF-8");
    require(!xml::repair_for_xml_column(job.detail_xml), "detail the xml type refuses");
    if (job.media_format) {
        require_values(*job.media_format, kMediaFormatFields);
    }
    for (const MediaStream& stream : job.streams) {
        require_values(stream.values, kMediaStreamFields);
    }
    for (const OutputFile& file : job.output_files) {
        require_text(file.object_name, "ObjectName UTF-8");
    }
    for (const OutputObject& output : job.outputs) {
        require(!output.stream_index ||
                    value_problem(*output.stream_index, FieldType::integer) == nullptr,
                "StreamExtract/Index range");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const JobsPage page =
            parse_jobs_page(std::string(reinterpret_cast<const char*>(data), size));
        for (const JobRecord& job : page.jobs) {
            check_job(job);
        }
        require(is_valid_utf8(page.next_token), "NextToken UTF-8");
    } catch (const RetryableError&) {
    } catch (const PartitionError&) {
    }
    return 0;
}
