// parse_jobs_page and the body's bytes: entities and character references,
// detail_xml slices, views that outlive moves, parsing on several threads.
#include "page_warning_support.hpp"
#include "test_jobs_page_support.hpp"

#include "support/test_data.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>

using namespace jobsync;
using namespace jobs_page_test;

TEST_CASE("jobs_page: entities are decoded in fields and left raw in detail_xml")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK(show(job.message) == "done & dusted");
    CHECK(show(job.input_object) == "in/song & dance.mp3");
    CHECK(show(job.template_name) == "voice <split>");
    CHECK(job.detail_xml.find("<Message>done &amp; dusted</Message>") != std::string_view::npos);
    CHECK(job.detail_xml.find("voice &lt;split&gt;") != std::string_view::npos);
    CHECK(raw_contains(page, job.detail_xml));
    CHECK_FALSE(raw_contains(page, *job.message)); // decoded text lives in page.decoded
}

TEST_CASE("jobs_page: the body is parsed where it is, without being modified")
{
    const std::string body = testing::read_xml_fixture("rich_job.xml");
    const JobsPage page = parse_jobs_page(body);
    REQUIRE(page.jobs.size() == 1);
    CHECK(page.body == body);
    const JobRecord& job = page.jobs[0];
    // Fields without entities are views into the body itself: no copy per field.
    CHECK(raw_contains(page, job.job_id));
    CHECK(raw_contains(page, job.tag));
    CHECK(raw_contains(page, *job.template_id));
    CHECK(raw_contains(page, job.detail_xml));
    // Only the values that had entities were decoded.
    CHECK(page.decoded.size() == 4); // Message, Input/Object, a CosHeaders Value, TemplateName
}

TEST_CASE("jobs_page: entities and character references in fields")
{
    const JobsPage page = parse_jobs_page(response(job_xml(
        "j&#x31;", "<State>A &lt;b&gt; &quot;c&quot; &apos;d&apos;</State>"
                   "<Message><![CDATA[literal &amp; <kept>]]></Message>"
                   "<QueueId>caf&#233; &#x6f22; &nbsp;&</QueueId><Progress>&#x35;0</Progress>")));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK(job.job_id == "j1");
    CHECK(show(job.state) == "A <b> \"c\" 'd'");
    CHECK(show(job.message) == "literal &amp; <kept>"); // CDATA is literal
    CHECK(raw_contains(page, *job.message));
    CHECK(show(job.queue_id) == "caf\xC3\xA9 \xE6\xBC\xA2 &nbsp;&");
    CHECK(job.progress == 50);
    // "&nbsp;" (undefined) and the bare '&' would make the xml column refuse the detail.
    CHECK(job.detail_repaired);
    CHECK(job.detail_xml.find("caf&#233; &#x6f22; &amp;nbsp;&amp;</QueueId>") !=
          std::string_view::npos);
    CHECK(warning_messages(page) == std::vector<std::string>{"JobId j1: detail: 2 characters or "
                                                             "references the xml type refuses were "
                                                             "replaced"});
}

TEST_CASE("jobs_page: a bad character reference makes a field NULL, or rejects its job")
{
    const JobsPage page = parse_jobs_page(
        response(job_xml("j1", "<Message>a &#1114112; b</Message><State>a&#0;b</State>"
                               "<Code>&#65</Code>") +
                 "<JobsDetail><JobId>j&#0;</JobId><Tag>T</Tag></JobsDetail>"));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK_FALSE(job.message.has_value());
    CHECK_FALSE(job.state.has_value());
    CHECK_FALSE(job.code.has_value());
    CHECK(warning_messages(page) ==
          std::vector<std::string>{
              "JobId j1: State 'a&#0;b' has a bad character reference",
              "JobId j1: Code '&#65' has a bad character reference",
              "JobId j1: Message 'a &#1114112; b' has a bad character reference",
              "JobId j1: detail: 3 characters or references the xml type refuses were replaced",
              "JobsDetail #2: JobId has a bad character reference"});
    REQUIRE(page.rejected.size() == 1);
    CHECK(page.rejected[0].job_id.empty());
}

TEST_CASE("jobs_page: a bad character reference where no field reads it")
{
    // In an element no field reads, it does not fail the page; the xml column
    // would refuse it, so the detail escapes its '&'.
    const JobsPage page =
        parse_jobs_page(response(job_xml("j1", "<Operation><Transcode><X>&#65</X></Transcode>"
                                               "</Operation>")));
    REQUIRE(page.jobs.size() == 1);
    CHECK(page.jobs[0].detail_xml.find("<X>&amp;#65</X>") != std::string_view::npos);
    CHECK(page.jobs[0].detail_repaired);
}

TEST_CASE("jobs_page: detail_xml ends where the tree says, whatever precedes the end tag")
{
    const std::string endings[] = {
        "<Last/>",
        "<Last a=\"/>\"/>",
        "<Last></Last >",
        "<Last>text</Last>",
        "<Last><![CDATA[</JobsDetail>]]></Last>",
        "<Last><Deeper><Deepest>x</Deepest></Deeper></Last>",
        "tail text",
        "tail &amp; text",
        "<![CDATA[cdata </JobsDetail> last]]>",
        "<Last/><!-- </JobsDetail> -->",
        "<Last/>\n  <?pi </JobsDetail> ?>\n ",
        "<Last><!-- c --></Last>",
        "<Last/><!DOCTYPE x>", // skipped by RapidXML, not by the tree walk: scanned
    };
    for (const std::string& ending : endings) {
        INFO(ending);
        const std::string detail = job_xml("j1", ending);
        const std::string body = response(detail + "\n" + job_xml("j2"));
        const JobsPage page = parse_jobs_page(body);
        REQUIRE(page.jobs.size() == 2);
        CHECK(page.jobs[0].detail_xml == detail);
        CHECK(page.jobs[1].detail_xml == job_xml("j2"));
    }
    // <!unknown ...> ends at its first '>', wherever that is: the scan agrees with RapidXML.
    const std::string odd = "<JobsDetail><JobId>j1</JobId><Tag>T</Tag>"
                            "<CreationTime>2024-01-01T00:00:00Z</CreationTime>"
                            "<!unknown </JobsDetail>";
    const JobsPage page = parse_jobs_page(response(odd + "</JobsDetail>"));
    REQUIRE(page.jobs.size() == 1);
    CHECK(page.jobs[0].detail_xml == odd + "</JobsDetail>");
}

TEST_CASE("jobs_page: decoded values stay valid when the page is moved")
{
    JobsPage page = parse_jobs_page(response(job_xml("j&amp;1", "<State>a&amp;b</State>")));
    REQUIRE(page.jobs.size() == 1);
    const void* state_before = page.jobs[0].state->data(); // a short string: stored inline
    std::vector<JobsPage> pages;
    pages.push_back(std::move(page));
    JobsPage moved_again = std::move(pages.back());
    CHECK(static_cast<const void*>(moved_again.jobs[0].state->data()) == state_before);
    CHECK(show(moved_again.jobs[0].state) == "a&b");
    CHECK(moved_again.jobs[0].job_id == "j&1");
}

TEST_CASE("jobs_page: release_body hands the buffer back and leaves no views")
{
    JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    const void* data = page.body.data();
    const std::string body = page.release_body();
    CHECK(static_cast<const void*>(body.data()) == data);
    CHECK(page.jobs.empty());
    CHECK(page.decoded.empty());
}

TEST_CASE("jobs_page: an XML declaration and a UTF-8 BOM are accepted")
{
    const std::string job = job_xml("j1");
    const std::string bodies[] = {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + response(job),
        "\xEF\xBB\xBF" + response(job),
        "\xEF\xBB\xBF<?xml version='1.0'?>\r\n" + response(job) + "\n",
    };
    for (const std::string& body : bodies) {
        INFO(body);
        const JobsPage page = parse_jobs_page(body);
        REQUIRE(page.jobs.size() == 1);
        CHECK(page.jobs[0].job_id == "j1");
        CHECK(page.jobs[0].detail_xml == job);
        CHECK(page.jobs[0].detail_xml.data() == page.body.data() + body.find("<JobsDetail>"));
    }
}

TEST_CASE("jobs_page: views stay valid when the page is moved")
{
    JobsPage page = parse_jobs_page(testing::read_xml_fixture("sample_response.xml"));
    REQUIRE(page.jobs.size() == 2);
    const char* body_before = page.body.data();
    std::vector<JobsPage> pages;
    pages.push_back(std::move(page));
    const JobsPage& moved = pages.back();
    CHECK(moved.body.data() == body_before);
    CHECK(moved.jobs[1].job_id == "j9c0a4726f6ac11ec96aaa9b64ab18d00");
    CHECK(show(moved.jobs[1].output_files.at(0).md5) == "3df1f845d2ffd20a525a93ec40014d90");
    CHECK(raw_contains(moved, moved.jobs[0].detail_xml));
}

TEST_CASE("jobs_page: large pages parse on several threads at once")
{
    const std::string sample = testing::read_xml_fixture("sample_response.xml");
    const std::size_t first = sample.find("<JobsDetail>");
    const std::size_t last = sample.rfind("</JobsDetail>") + 13;
    std::string body = "<Response>";
    for (int i = 0; i < 200; ++i) { // 400 jobs: several MiB of XML nodes
        body.append(sample, first, last - first);
    }
    body += "<NextToken>400</NextToken></Response>";

    std::size_t counts[4] = {};
    std::string md5s[4];
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 3; ++round) {
                const JobsPage page = parse_jobs_page(body);
                counts[t] += page.jobs.size();
                md5s[t] = show(page.jobs.back().output_files.at(0).md5);
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (std::size_t t = 0; t < 4; ++t) {
        CHECK(counts[t] == 3 * 400);
        CHECK(md5s[t] == "3df1f845d2ffd20a525a93ec40014d90");
    }
}
