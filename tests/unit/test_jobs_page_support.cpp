#include "test_jobs_page_support.hpp"

#include "jobsync/parse/field_values.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

namespace jobs_page_test {
namespace {

template <std::size_t N>
std::string column(const FieldValues<N>& values, const std::array<FieldSpec, N>& specs,
                   std::string_view name)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (specs[i].column == name) {
            return show(values[i]);
        }
    }
    FAIL("no column " << name);
    return {};
}

} // namespace

std::string show(OptText value)
{
    return value ? std::string(*value) : std::string("<null>");
}

std::string stream_column(const MediaStream& stream, std::string_view name)
{
    return column(stream.values, kMediaStreamFields, name);
}

std::string format_column(const JobRecord& job, std::string_view name)
{
    REQUIRE(job.media_format.has_value());
    return column(*job.media_format, kMediaFormatFields, name);
}

std::string job_xml(const std::string& id, const std::string& extra)
{
    return "<JobsDetail><JobId>" + id +
           "</JobId><Tag>Transcode</Tag>"
           "<CreationTime>2024-01-01T00:00:00+0000</CreationTime>" +
           extra + "</JobsDetail>";
}

std::string response(const std::string& inner)
{
    return "<Response>" + inner + "</Response>";
}

bool raw_contains(const JobsPage& page, std::string_view view)
{
    return view.data() >= page.body.data() &&
           view.data() + view.size() <= page.body.data() + page.body.size();
}

std::string rejection(const std::string& body)
{
    const JobsPage page = parse_jobs_page(body);
    CHECK(page.jobs.empty());
    REQUIRE(page.rejected.size() <= 1);
    return page.rejected.empty() ? "" : page.rejected[0].reason;
}

std::string retryable_message(const std::string& body)
{
    try {
        parse_jobs_page(body);
    } catch (const RetryableError& e) {
        return e.what();
    }
    FAIL("no RetryableError for: " << body);
    return {};
}

std::string partition_message(const std::string& body)
{
    try {
        parse_jobs_page(body);
    } catch (const PartitionError& e) {
        return e.what();
    }
    FAIL("no PartitionError for: " << body);
    return {};
}

} // namespace jobs_page_test
