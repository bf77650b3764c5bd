// parse_jobs_page on bad input: malformed or truncated bodies, rejected jobs,
// bad optional values, number validation and drift collection.
#include "page_warning_support.hpp"
#include "test_jobs_page_support.hpp"

#include "jobsync/parse/field_values.hpp"

#include "support/test_data.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace jobsync;
using namespace jobs_page_test;

TEST_CASE("jobs_page: malformed XML is a RetryableError with the byte offset")
{
    CHECK(retryable_message("<Response><JobsDetail></Response>") ==
          "malformed XML in /jobs response at byte 32: invalid closing tag name");
    CHECK(retryable_message("<Response><JobId>x</JobId") ==
          "malformed XML in /jobs response at byte 25: expected >");
    CHECK(retryable_message("") == "malformed XML in /jobs response at byte 0: no root element");
    CHECK(retryable_message(" \n ") ==
          "malformed XML in /jobs response at byte 3: no root element");
    CHECK(retryable_message("<Response/><Response/>") ==
          "malformed XML in /jobs response at byte 11: more than one root element");
    CHECK(retryable_message(std::string("<Response/>\0<x", 14)) ==
          "malformed XML in /jobs response at byte 11: NUL byte");
    CHECK(retryable_message("{\"Response\": {}}").find("at byte 0: expected <") !=
          std::string::npos);
    CHECK(retryable_message("<Response><!-- never closed </Response>") ==
          "malformed XML in /jobs response at byte 39: unexpected end of data");

    // The API documentation's own sample, with its stray </Message>.
    std::string doc_sample = testing::read_xml_fixture("sample_response.xml");
    const std::size_t at = doc_sample.find("<Message/>");
    REQUIRE(at != std::string::npos);
    doc_sample.replace(at, 10, "</Message>");
    CHECK(retryable_message(doc_sample).find("invalid closing tag name") != std::string::npos);
}

TEST_CASE("jobs_page: every truncation of a response is a RetryableError")
{
    const std::string body = testing::read_xml_fixture("sample_response.xml");
    const std::size_t complete = body.rfind('>') + 1;
    std::size_t retryable = 0;
    for (std::size_t length = 0; length < complete; ++length) {
        try {
            parse_jobs_page(body.substr(0, length));
        } catch (const RetryableError& e) {
            ++retryable;
            continue;
        }
        FAIL("a body cut at byte " << length << " parsed");
    }
    CHECK(retryable == complete);
    CHECK(parse_jobs_page(body.substr(0, complete)).jobs.size() == 2);
}

TEST_CASE("jobs_page: a well-formed body with the wrong root is a PartitionError")
{
    CHECK(partition_message("<Error><Code>AccessDenied</Code></Error>") ==
          "response root is <Error>, expected <Response>");
    CHECK(partition_message("<?xml version='1.0'?><html><body>Bad gateway</body></html>") ==
          "response root is <html>, expected <Response>");
    CHECK(partition_message("<response/>") == "response root is <response>, expected <Response>");
}

TEST_CASE("jobs_page: a job without JobId is rejected, naming its position")
{
    const std::string body = response("<JobsDetail/>" + job_xml("j1") +
                                      "<JobsDetail><QueueId>p1</QueueId><Tag>T</Tag>"
                                      "<CreationTime>2024-01-01T00:00:00Z</CreationTime>"
                                      "</JobsDetail>");
    const JobsPage page = parse_jobs_page(body);
    REQUIRE(page.jobs.size() == 1);
    CHECK(page.jobs[0].job_id == "j1");
    REQUIRE(page.rejected.size() == 1);
    CHECK(page.rejected[0].reason == "JobsDetail #3 has no JobId");
    CHECK(page.rejected[0].position == 3);
    CHECK(page.rejected[0].job_id.empty());
    CHECK(page.rejected[0].detail_xml.substr(0, 24) == "<JobsDetail><QueueId>p1<");
    CHECK(warning_messages(page) == std::vector<std::string>{"JobsDetail #3 has no JobId"});
    // Any content makes it a job: a Tag without a JobId is rejected.
    CHECK(rejection(response("<JobsDetail><State/><JobId/><Tag>Transcode</Tag>"
                             "</JobsDetail>")) == "JobsDetail #1 has no JobId");
    // Names are case-sensitive: <jobId> is not <JobId>.
    CHECK(rejection(response("<JobsDetail><jobId>j1</jobId><Code>Success</Code>"
                             "</JobsDetail>")) == "JobsDetail #1 has no JobId");
}

TEST_CASE("jobs_page: a job without Tag is rejected")
{
    CHECK(rejection(response("<JobsDetail><JobId>j7</JobId>"
                             "<CreationTime>2024-01-01T00:00:00Z</CreationTime>"
                             "</JobsDetail>")) == "JobId j7 (JobsDetail #1) has no Tag");
}

TEST_CASE("jobs_page: a missing or bad CreationTime rejects the job, naming it")
{
    CHECK(rejection(response("<JobsDetail><JobId>j1</JobId><Tag>T</Tag></JobsDetail>")) ==
          "JobId j1 has no CreationTime");
    CHECK(rejection(response("<JobsDetail><JobId>j2</JobId><Tag>T</Tag>"
                             "<CreationTime>2024-13-01T00:00:00+0800</CreationTime>"
                             "</JobsDetail>")) ==
          "JobId j2: CreationTime '2024-13-01T00:00:00+0800' is not a valid time");
    CHECK(rejection(response("<JobsDetail><JobId>j3</JobId><Tag>T</Tag>"
                             "<CreationTime>-</CreationTime></JobsDetail>")) ==
          "JobId j3: CreationTime '-' is not a valid time");
}

TEST_CASE("jobs_page: bad optional values become null with a warning")
{
    const JobsPage page = parse_jobs_page(response(job_xml(
        "j9", "<Progress>abc</Progress><StartTime>yesterday</StartTime><EndTime/>"
              "<Operation><JobLevel>1.5</JobLevel><MediaInfo><Format><Size>12a</Size>"
              "<Duration>1.5</Duration></Format><Stream><Video><Width>wide</Width>"
              "<Fps>nan</Fps><Height>720</Height></Video></Stream></MediaInfo></Operation>")));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK_FALSE(job.progress.has_value());
    CHECK_FALSE(job.start_time.has_value());
    CHECK_FALSE(job.end_time.has_value());
    CHECK_FALSE(job.job_level.has_value());
    CHECK(format_column(job, "size") == "<null>");
    CHECK(format_column(job, "duration") == "1.5");
    REQUIRE(job.streams.size() == 1);
    CHECK(stream_column(job.streams[0], "width") == "<null>");
    CHECK(stream_column(job.streams[0], "fps") == "<null>");
    CHECK(stream_column(job.streams[0], "height") == "720");
    CHECK(warning_messages(page) ==
          std::vector<std::string>{
              "JobId j9: Progress 'abc' is not an integer",
              "JobId j9: StartTime 'yesterday' is not a valid time",
              "JobId j9: Operation/JobLevel '1.5' is not an integer",
              "JobId j9: Operation/MediaInfo/Format/Size '12a' is not an integer",
              "JobId j9: Operation/MediaInfo/Stream/Video/Width 'wide' is not "
              "an integer",
              "JobId j9: Operation/MediaInfo/Stream/Video/Fps 'nan' is not a "
              "number",
          });
}

TEST_CASE("jobs_page: unknown elements are ignored")
{
    const std::string plain = job_xml("j1", "<State>Running</State><Operation><TemplateId>t1"
                                            "</TemplateId></Operation>");
    const std::string noisy = job_xml(
        "j1", "<Unknown>1</Unknown><State>Running</State><Operation><New><TemplateId>t2"
              "</TemplateId></New><TemplateId>t1</TemplateId><Transcode><Audio><Codec>aac"
              "</Codec></Audio></Transcode><Output><Unknown>u</Unknown></Output></Operation>"
              "<MediaInfo><Stream><Video><Width>1</Width></Video></Stream></MediaInfo>");
    const JobsPage page = parse_jobs_page(response("<Other/>" + plain + noisy + "<More>x</More>"));
    REQUIRE(page.jobs.size() == 2);
    for (const JobRecord& job : page.jobs) {
        CHECK(show(job.state) == "Running");
        CHECK(show(job.template_id) == "t1");
        CHECK(job.streams.empty()); // MediaInfo counts only under Operation
        CHECK(job.outputs.empty());
    }
    CHECK(page.warnings.empty());
}

TEST_CASE("jobs_page: is_valid_number per field type")
{
    for (const char* good : {"0", "42", "-7", "+7", "007", "2147483647", "-2147483648"}) {
        INFO(good);
        CHECK(is_valid_number(good, FieldType::integer));
        CHECK(is_valid_number(good, FieldType::big_integer));
        CHECK(is_valid_number(good, FieldType::decimal));
    }
    CHECK(is_valid_number("12345678901234", FieldType::big_integer));
    CHECK_FALSE(is_valid_number("12345678901234", FieldType::integer));
    for (const char* good :
         {"1.5", "-0.25", "5.", ".5", "1e3", "1.5E-3", "+2.0e+10", "834.736000"}) {
        INFO(good);
        CHECK(is_valid_number(good, FieldType::decimal));
        CHECK_FALSE(is_valid_number(good, FieldType::integer));
    }
    for (const char* bad :
         {"",    "-",   "+",    ".",    "e5",      "1e",  "1e+", "1.2.3", " 1",  "1 ",
          "nan", "inf", "-inf", "0x10", "1/12800", "1,5", "N/A", "--1",   "+-1", "-+1"}) {
        INFO(bad);
        CHECK_FALSE(is_valid_number(bad, FieldType::integer));
        CHECK_FALSE(is_valid_number(bad, FieldType::decimal));
    }
    CHECK(is_valid_number("1/12800", FieldType::text));
    CHECK(is_valid_number("", FieldType::text));
}

TEST_CASE("jobs_page: unknown elements at any depth are collected per tag, never fatal")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("drift_jobs.xml"));
    REQUIRE(page.jobs.size() == 3);
    CHECK(page.warnings.empty());
    std::map<DriftKey, long> seen;
    for (const auto& [key, sighting] : page.unknown_elements) {
        seen[key] = sighting.jobs;
    }
    const std::map<DriftKey, long> expected{
        {{"Transcode", "NewTopField"}, 1},
        {{"Transcode", "Input/NewInputField"}, 1},
        {{"Transcode", "Operation/NewThing"}, 2}, // two jobs; twice in one counts once
        {{"Transcode", "Operation/Transcode/NewThing"}, 1},
        {{"Transcode", "Operation/MediaInfo/Stream/Video/NewStreamField"}, 1},
        {{"Transcode", "Operation/MediaResult/OutputFile/NewFileField"}, 1},
        {{"Snapshot", "Operation/NewThing"}, 1},
    };
    CHECK(seen == expected);
    CHECK(page.unknown_elements.at({"Transcode", "Operation/NewThing"}).last_job_id ==
          "j00000000000000000000000000000d02");
    // Known fields still land, and the unknown ones stay in the detail bytes.
    CHECK(page.jobs[0].streams.size() == 1);
    CHECK(page.jobs[0].output_files.size() == 1);
    CHECK(page.jobs[0].detail_xml.find("<NewStreamField>9</NewStreamField>") !=
          std::string_view::npos);
}

TEST_CASE("jobs_page: the API sample parses without drift")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("sample_response.xml"));
    CHECK(page.unknown_elements.empty());
}
