// Bodies an attacker or a broken proxy could send: each must end in a clear
// error or a page whose every value its column accepts, never in a crash or
// a statement that fails (which would block the partition for good).
#include "jobsync/api/error_body.hpp"
#include "jobsync/api/queue_page.hpp"
#include "jobsync/core/utf8.hpp"
#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/xml/xml_chars.hpp"
#include "jobsync/xml/xml_limits.hpp"

#include "page_warning_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using namespace jobsync;

namespace {

std::string job_xml(const std::string& id, const std::string& extra = "",
                    const std::string& created = "2024-01-01T00:00:00+0000")
{
    return "<JobsDetail><JobId>" + id + "</JobId><Tag>Transcode</Tag><CreationTime>" + created +
           "</CreationTime>" + extra + "</JobsDetail>";
}

std::string response(const std::string& inner)
{
    return "<Response>" + inner + "</Response>";
}

std::string nested(std::size_t depth, const std::string& name = "a")
{
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) {
        text += "<" + name + ">";
    }
    for (std::size_t i = 0; i < depth; ++i) {
        text += "</" + name + ">";
    }
    return text;
}

std::string partition_message(const std::string& body)
{
    try {
        parse_jobs_page(body);
    } catch (const PartitionError& e) {
        return e.what();
    }
    return "<no PartitionError>";
}

// The one job of a page with extra children, and the page's warnings.
JobsPage one_job(const std::string& extra)
{
    JobsPage page = parse_jobs_page(response(job_xml("j1", extra)));
    REQUIRE(page.jobs.size() == 1);
    return page;
}

std::string format_value(const JobRecord& job, std::string_view column)
{
    REQUIRE(job.media_format.has_value());
    for (std::size_t i = 0; i < kMediaFormatFields.size(); ++i) {
        if (kMediaFormatFields[i].column == column) {
            const OptText value = (*job.media_format)[i];
            return value ? std::string(*value) : "<null>";
        }
    }
    FAIL("no column " << column);
    return {};
}

std::string read_rich_job()
{
    std::ifstream in(std::string(TEST_DATA_DIR) + "/xml/rich_job.xml", std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("hostile: 100,000-deep nesting is a PartitionError naming the limit, not a crash")
{
    const std::string deep = response(nested(100000));
    const std::string message = partition_message(deep);
    CHECK(message == "XML response too deep: elements nest more than 256 levels (at byte 775)");
    // Inside a job, too.
    CHECK_THROWS_AS(parse_jobs_page(response(job_xml("j1", nested(100000)))), xml::XmlLimitError);
    // A 500 error body and a /queue page go through the same check.
    ServiceErrorDetails details;
    CHECK_THROWS_AS(parse_error_body("<Error>" + nested(100000) + "</Error>", details),
                    xml::XmlLimitError);
    CHECK_THROWS_AS(parse_queue_page(response(nested(100000))), xml::XmlLimitError);
}

TEST_CASE("hostile: nesting up to the limit parses")
{
    // Response is level 1, so 255 more levels reach exactly 256.
    CHECK_NOTHROW(parse_jobs_page(response(nested(xml::kMaxDepth - 1))));
    CHECK_THROWS_AS(parse_jobs_page(response(nested(xml::kMaxDepth))), xml::XmlLimitError);
    // Self-closing elements do not nest.
    std::string flat;
    for (std::size_t i = 0; i < 1000; ++i) {
        flat += "<a/>";
    }
    CHECK_NOTHROW(parse_jobs_page(response(flat)));
}

TEST_CASE("hostile: tags inside comments, CDATA and attribute values do not count")
{
    const std::string tags = nested(1000, "b");
    const std::string body = response("<!--" + tags + "--><x><![CDATA[" + tags + "]]></x>" +
                                      "<y v=\"" + tags + "\"/><?pi " + tags + "?>");
    CHECK_NOTHROW(xml::check_limits(body));
    CHECK_NOTHROW(parse_jobs_page(body));
}

TEST_CASE("hostile: an attribute-flooded page is refused before RapidXML allocates")
{
    std::string flood = "<Response><a";
    for (std::size_t i = 0; i <= xml::kMaxNodes; ++i) {
        flood += " b" + std::to_string(i) + "=''";
    }
    flood += "/></Response>";
    const std::string message = partition_message(flood);
    CHECK(message.find("XML response too large: more than 200000 elements and attributes") == 0);
}

TEST_CASE("hostile: an element with too many attributes is refused, one under the cap parses")
{
    const auto element = [](std::size_t attributes) {
        std::string text = "<Response><a";
        for (std::size_t i = 0; i < attributes; ++i) {
            text += " b" + std::to_string(i) + "=''";
        }
        return text + "/></Response>";
    };
    CHECK_NOTHROW(xml::check_limits(element(xml::kMaxAttributesPerElement)));
    CHECK(partition_message(element(xml::kMaxAttributesPerElement + 1)) ==
          "XML response has an element with more than 1000 attributes (at byte 10)");
}

TEST_CASE("hostile: a 100-job page of rich jobs fits the node budget ten times over")
{
    const std::string rich = read_rich_job();
    const std::size_t start = rich.find("<JobsDetail>");
    const std::size_t end = rich.rfind("</JobsDetail>") + 13;
    REQUIRE(start != std::string::npos);
    std::string jobs;
    for (int i = 0; i < 1000; ++i) {
        jobs += rich.substr(start, end - start);
    }
    // 1000 jobs (ten pages' worth) still parse; the ids repeat, which the store de-duplicates.
    const JobsPage page = parse_jobs_page(response(jobs));
    CHECK(page.jobs.size() == 1000);
}

TEST_CASE("hostile: integers out of their column's range become NULL with a warning")
{
    const JobsPage page = one_job("<Progress>99999999999</Progress><Operation>"
                                  "<JobLevel>-2147483649</JobLevel><MediaInfo><Format>"
                                  "<Size>123456789012345678901</Size><NumStream>2</NumStream>"
                                  "</Format></MediaInfo></Operation>");
    const JobRecord& job = page.jobs[0];
    CHECK_FALSE(job.progress.has_value());
    CHECK_FALSE(job.job_level.has_value());
    CHECK(format_value(job, "size") == "<null>");
    CHECK(format_value(job, "num_stream") == "2");
    CHECK(warning_messages(page) ==
          std::vector<std::string>{
              "JobId j1: Progress '99999999999' is out of range for int4",
              "JobId j1: Operation/JobLevel '-2147483649' is out of range for int4",
              "JobId j1: Operation/MediaInfo/Format/Size '123456789012345678901' is out of "
              "range for int8"});
    // A 19-digit Size fits bigint.
    const JobsPage big =
        one_job("<Operation><MediaInfo><Format><Size>9223372036854775807</Size></Format>"
                "</MediaInfo></Operation>");
    CHECK(format_value(big.jobs[0], "size") == "9223372036854775807");
    CHECK(big.warnings.empty());
}

TEST_CASE("hostile: numeric overflow becomes NULL with a warning")
{
    const JobsPage page =
        one_job("<Operation><MediaInfo><Format><Bitrate>1e999999</Bitrate>"
                "<Duration>1e-20000</Duration><StartTime>1e99999999999</StartTime>"
                "</Format></MediaInfo></Operation>");
    const JobRecord& job = page.jobs[0];
    CHECK(format_value(job, "bitrate") == "<null>");
    CHECK(format_value(job, "duration") == "<null>");
    CHECK(format_value(job, "start_time") == "<null>");
    CHECK(warning_messages(page) ==
          std::vector<std::string>{
              "JobId j1: Operation/MediaInfo/Format/Bitrate '1e999999' overflows numeric",
              "JobId j1: Operation/MediaInfo/Format/Duration '1e-20000' overflows numeric",
              "JobId j1: Operation/MediaInfo/Format/StartTime '1e99999999999' overflows "
              "numeric"});
    // numeric's own limits: 131072 digits before the point, 16383 after.
    CHECK(is_valid_number("1e131071", FieldType::decimal));
    CHECK_FALSE(is_valid_number("1e131072", FieldType::decimal));
    CHECK(is_valid_number("0.5e-16382", FieldType::decimal));
    CHECK_FALSE(is_valid_number("0.5e-16383", FieldType::decimal));
    CHECK(is_valid_number("0e999999", FieldType::decimal));
    CHECK(value_problem("NaN", FieldType::decimal) == std::string("is not a number"));
}

TEST_CASE("hostile: times outside the years 1 to 9999")
{
    const JobsPage page = one_job("<StartTime>0000-06-01T00:00:00+0000</StartTime>"
                                  "<EndTime>9999-12-31T23:59:59-0100</EndTime>");
    CHECK_FALSE(page.jobs[0].start_time.has_value());
    CHECK_FALSE(page.jobs[0].end_time.has_value());
    CHECK(warning_messages(page) ==
          std::vector<std::string>{
              "JobId j1: StartTime '0000-06-01T00:00:00+0000' is outside the years 1 to 9999",
              "JobId j1: EndTime '9999-12-31T23:59:59-0100' is outside the years 1 to 9999"});

    // A required CreationTime out of range rejects its job; the rest of the page lands.
    const JobsPage mixed =
        parse_jobs_page(response(job_xml("j1") + job_xml("j2", "", "99999-01-01T00:00:00Z") +
                                 job_xml("j3", "", "0001-01-01T00:00:00+0800") + job_xml("j4")));
    REQUIRE(mixed.jobs.size() == 2);
    CHECK(mixed.jobs[0].job_id == "j1");
    CHECK(mixed.jobs[1].job_id == "j4");
    REQUIRE(mixed.rejected.size() == 2);
    CHECK(mixed.rejected[0].job_id == "j2");
    CHECK(mixed.rejected[0].reason ==
          "JobId j2: CreationTime '99999-01-01T00:00:00Z' is not a valid time");
    CHECK(mixed.rejected[1].reason ==
          "JobId j3: CreationTime '0001-01-01T00:00:00+0800' is outside the years 1 to 9999");
    CHECK(mixed.rejected[1].detail_xml == job_xml("j3", "", "0001-01-01T00:00:00+0800"));
    REQUIRE(mixed.warnings.size() == 2);
    CHECK(mixed.warnings[0].outcome == WarningOutcome::job_quarantined);
    CHECK(mixed.warnings[0].field == "CreationTime");
    CHECK(mixed.warnings[0].job_id == "j2");
    CHECK(mixed.warnings[0].position == 2);
}

TEST_CASE("hostile: invalid UTF-8 in a text field becomes NULL; detail is repaired")
{
    const std::string bad_name = "out\xC3\x28.mp4"; // 0xC3 starts a sequence 0x28 cannot continue
    const JobsPage page =
        one_job("<Operation><MediaResult><OutputFile><Bucket>b</Bucket><ObjectName>" + bad_name +
                "</ObjectName><ObjectName>ok.mp4</ObjectName></OutputFile></MediaResult>"
                "</Operation>");
    const JobRecord& job = page.jobs[0];
    REQUIRE(job.output_files.size() == 1);
    CHECK(job.output_files[0].object_name == std::string_view("ok.mp4"));
    REQUIRE(page.warnings.size() == 2);
    CHECK(page.warnings[0].message == "JobId j1: detail: 1 characters or references the xml type "
                                      "refuses were replaced");
    CHECK(page.warnings[1].message ==
          "JobId j1: ObjectName 'out\xEF\xBF\xBD(.mp4' is not valid UTF-8");
    // Each outcome its own, naming the job and the field.
    CHECK(page.warnings[0].outcome == WarningOutcome::detail_repaired);
    CHECK(page.warnings[0].field == "detail");
    CHECK(page.warnings[1].outcome == WarningOutcome::stored_as_null);
    CHECK(page.warnings[1].field == "ObjectName");
    CHECK(page.warnings[1].job_id == "j1");
    CHECK(job.detail_repaired);
    CHECK(job.detail_xml.find("out\xEF\xBF\xBD(.mp4") != std::string_view::npos);
    CHECK(is_valid_utf8(job.detail_xml));
}

TEST_CASE("hostile: control characters and bad references in Message")
{
    // Raw BEL: a text column takes it, the xml column does not.
    const JobsPage raw = one_job("<Message>ding\x07</Message>");
    CHECK(raw.jobs[0].message == std::string_view("ding\x07"));
    CHECK(raw.jobs[0].detail_repaired);
    CHECK(raw.jobs[0].detail_xml.find("<Message>ding\xEF\xBF\xBD</Message>") !=
          std::string_view::npos);

    const JobsPage bel = one_job("<Message>ding&#7;</Message>");
    CHECK(bel.jobs[0].message == std::string_view("ding\x07"));
    CHECK(bel.jobs[0].detail_xml.find("<Message>ding\xEF\xBF\xBD</Message>") !=
          std::string_view::npos);

    // A lone surrogate decodes to bytes no UTF-8 text column takes.
    const JobsPage surrogate = one_job("<Message>half &#xD800; pair</Message>");
    CHECK_FALSE(surrogate.jobs[0].message.has_value());
    CHECK(surrogate.jobs[0].detail_xml.find("<Message>half \xEF\xBF\xBD pair</Message>") !=
          std::string_view::npos);
    CHECK(surrogate.warnings.front().message ==
          "JobId j1: Message 'half \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD pair' is not valid UTF-8");

    // Legal references stay as they are, and the detail is the received bytes.
    const JobsPage fine = one_job("<Message>a &amp; b &#233; &#x1F600;</Message>");
    CHECK_FALSE(fine.jobs[0].detail_repaired);
    CHECK(fine.warnings.empty());
    CHECK(fine.jobs[0].detail_xml.data() >= fine.body.data());
}

TEST_CASE("hostile: a 10 KB JobId or Tag rejects the job, keeping the whole id for its key")
{
    const std::string long_id(10240, 'x');
    const std::string other_long_id = long_id.substr(0, 10239) + "y";
    const JobsPage page =
        parse_jobs_page(response(job_xml(long_id) + job_xml("j2") + job_xml(other_long_id)));
    REQUIRE(page.jobs.size() == 1);
    CHECK(page.jobs[0].job_id == "j2");
    REQUIRE(page.rejected.size() == 2);
    const RejectedJob& rejected = page.rejected[0];
    // The exact id, so two ids alike but for their last byte get two keys.
    CHECK(rejected.job_id == long_id);
    CHECK(page.rejected[1].job_id == other_long_id);
    CHECK(rejected.reason == "JobsDetail #1: JobId '" + std::string(64, 'x') +
                                 "...' is longer than 128 bytes (10240)");
    CHECK(rejected.detail_xml.size() > 10240);
    REQUIRE(page.warnings.size() == 2);
    CHECK(page.warnings[0].outcome == WarningOutcome::job_quarantined);
    CHECK(page.warnings[0].field == "JobId");
    CHECK(page.warnings[0].job_id == std::string(64, 'x') + "...");

    const JobsPage tag = parse_jobs_page(
        response("<JobsDetail><JobId>j3</JobId><Tag>T\xFF</Tag><CreationTime>2024-01-01T00:00:00Z"
                 "</CreationTime></JobsDetail>"));
    REQUIRE(tag.rejected.size() == 1);
    CHECK(tag.rejected[0].reason == "JobId j3: Tag 'T\xEF\xBF\xBD' is not valid UTF-8");

    const JobsPage bad_id = parse_jobs_page(response(job_xml("j\xC0\xAF")));
    REQUIRE(bad_id.rejected.size() == 1);
    CHECK(bad_id.rejected[0].job_id == "j\xC0\xAF");
    CHECK(bad_id.warnings[0].job_id == "j\xEF\xBF\xBD\xEF\xBF\xBD"); // printable
}

TEST_CASE("hostile: a long QueueId or ObjectName (indexed columns) becomes NULL")
{
    const std::string long_text(2000, 'q');
    const JobsPage page = one_job("<QueueId>" + long_text + "</QueueId>");
    CHECK_FALSE(page.jobs[0].queue_id.has_value());
    REQUIRE(page.warnings.size() == 1);
    CHECK(page.warnings[0].message == "JobId j1: QueueId '" + std::string(64, 'q') +
                                          "...' is longer than 1024 bytes (an indexed column)");
}

TEST_CASE("hostile: billion laughs: entities are never expanded nor stored as references")
{
    std::string doctype = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i <= 9; ++i) {
        doctype += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int j = 0; j < 10; ++j) {
            doctype += i == 1 ? "&lol;" : "&lol" + std::to_string(i - 1) + ";";
        }
        doctype += "\">";
    }
    doctype += "]>";
    const JobsPage page =
        parse_jobs_page(doctype + response(job_xml("j1", "<Message>&lol9;</Message>")));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK(job.message == std::string_view("&lol9;"));
    CHECK(job.detail_repaired);
    CHECK(job.detail_xml.find("<Message>&amp;lol9;</Message>") != std::string_view::npos);
}

TEST_CASE("hostile: an invalid UTF-8 NextToken fails the page")
{
    CHECK(partition_message(response(job_xml("j1") + "<NextToken>t\xFE</NextToken>")) ==
          "NextToken 't\xEF\xBF\xBD' is not valid UTF-8");
}

TEST_CASE("xml_chars: repair_for_xml_column")
{
    CHECK_FALSE(xml::repair_for_xml_column("<a>plain &amp; &#65; &#x10FFFF;</a>").has_value());
    const auto repaired = xml::repair_for_xml_column("<a>&#0; &#xFFFE; & &x; &#1a;</a>");
    REQUIRE(repaired.has_value());
    CHECK(repaired->text == "<a>\xEF\xBF\xBD \xEF\xBF\xBD &amp; &amp;x; &amp;#1a;</a>");
    CHECK(repaired->replaced == 5);
    // '&' is literal in CDATA and comments; bad characters there are still replaced.
    const auto cdata = xml::repair_for_xml_column("<a><![CDATA[& \x01]]><!-- &x; --></a>");
    REQUIRE(cdata.has_value());
    CHECK(cdata->text == "<a><![CDATA[& \xEF\xBF\xBD]]><!-- &x; --></a>");
    CHECK(cdata->replaced == 1);
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    for (const char* bad : {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82"}) {
        INFO(bad);
        CHECK_FALSE(is_valid_utf8(bad));
    }
    CHECK(is_valid_utf8("\xE2\x82\xAC \xF0\x9F\x98\x80"));
}
