#include "jobsync/parse/jobs_page.hpp"

#include "jobsync/parse/field_values.hpp"

#include "support/test_data.hpp"

#include "page_warning_support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <thread>

using namespace jobsync;

namespace {

// Optional text as a plain string, so failures print the value.
std::string show(OptText value)
{
    return value ? std::string(*value) : std::string("<null>");
}

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

std::string stream_column(const MediaStream& stream, std::string_view name)
{
    return column(stream.values, kMediaStreamFields, name);
}

std::string format_column(const JobRecord& job, std::string_view name)
{
    REQUIRE(job.media_format.has_value());
    return column(*job.media_format, kMediaFormatFields, name);
}

// A minimal valid job around extra JobsDetail children.
std::string job_xml(const std::string& id, const std::string& extra = "")
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

// The reason of the one job the page rejects ("" when it rejects none).
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

} // namespace

TEST_CASE("jobs_page: the API sample's first job, field by field")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("sample_response.xml"));
    REQUIRE(page.jobs.size() == 2);
    CHECK(page.next_token == "225508");
    CHECK(page.warnings.empty());

    const JobRecord& job = page.jobs[0];
    CHECK(job.job_id == "j8d121820f5e411ec926ef19d53ba9c6f");
    CHECK(job.tag == "Transcode");
    CHECK(show(job.sub_tag) == "<null>");
    CHECK(show(job.state) == "Running");
    CHECK(show(job.code) == "Success");
    CHECK(show(job.message) == "<null>"); // <Message/>, not DigitalWatermark's
    CHECK(show(job.queue_id) == "p2242ab62c7c94486915508540933a2c6");
    CHECK(show(job.queue_type) == "<null>");
    CHECK(job.progress == 30);
    CHECK(job.creation_time == 1656314592);
    CHECK(job.start_time == 1656314593);
    CHECK_FALSE(job.end_time.has_value()); // "-"
    CHECK(show(job.input_bucket) == "test-123456789");
    CHECK(show(job.input_region) == "ap-chongqing");
    CHECK(show(job.input_object) == "input/demo.mp4");
    CHECK(show(job.input_url) == "<null>");
    CHECK(show(job.template_id) == "t1460606b9752148c4ab182f55163ba7cd");
    CHECK(show(job.template_name) == "<null>");
    CHECK(show(job.user_data) == "This is my data.");
    CHECK(job.job_level == 0);
    CHECK(show(job.workflow_id) == "<null>");
    CHECK(job.watermark_template_ids ==
          std::vector<std::string_view>{"t1318c5f428d474afba1797f84091cbe22",
                                        "t1318c5f428d474afba1797f84091cbe23",
                                        "t1318c5f428d474afba1797f84091cbe24"});
    REQUIRE(job.outputs.size() == 1);
    CHECK(job.outputs[0].kind == "main");
    CHECK(show(job.outputs[0].bucket) == "test-123456789");
    CHECK(show(job.outputs[0].region) == "ap-chongqing");
    CHECK(show(job.outputs[0].object) == "output/out.mp4");
    CHECK(show(job.outputs[0].stream_index) == "<null>");
    CHECK_FALSE(job.media_format.has_value());
    CHECK(job.streams.empty());
    CHECK(job.output_files.empty());
    CHECK(job.cos_headers.empty());
}

TEST_CASE("jobs_page: the API sample's second job with MediaInfo and MediaResult")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("sample_response.xml"));
    REQUIRE(page.jobs.size() == 2);
    const JobRecord& job = page.jobs[1];
    CHECK(job.job_id == "j9c0a4726f6ac11ec96aaa9b64ab18d00");
    CHECK(show(job.state) == "Success");
    CHECK(job.progress == 100);
    CHECK(job.creation_time == 1656314592);
    CHECK(job.start_time == 1656314593);
    CHECK(job.end_time == 1656314673);
    CHECK(job.watermark_template_ids.size() == 3);
    REQUIRE(job.outputs.size() == 1);
    CHECK(show(job.outputs[0].object) == "output/out.mp4");

    CHECK(format_column(job, "format_name") == "mov,mp4,m4a,3gp,3g2,mj2");
    CHECK(format_column(job, "format_long_name") == "QuickTime / MOV");
    CHECK(format_column(job, "duration") == "13.654000");
    CHECK(format_column(job, "bitrate") == "834.736000");
    CHECK(format_column(job, "size") == "1424687");
    CHECK(format_column(job, "num_stream") == "2");
    CHECK(format_column(job, "num_program") == "0");
    CHECK(format_column(job, "start_time") == "0.000000");

    // <Subtitle/> between them produces no row.
    REQUIRE(job.streams.size() == 2);
    const MediaStream& audio = job.streams[0];
    CHECK(audio.kind == "audio");
    CHECK(stream_column(audio, "stream_index") == "1");
    CHECK(stream_column(audio, "codec_name") == "aac");
    CHECK(stream_column(audio, "codec_long_name") == "AAC (Advanced Audio Coding)");
    CHECK(stream_column(audio, "codec_tag") == "0x6134706d");
    CHECK(stream_column(audio, "codec_time_base") == "1/44100");
    CHECK(stream_column(audio, "channel") == "2");
    CHECK(stream_column(audio, "channel_layout") == "stereo");
    CHECK(stream_column(audio, "sample_rate") == "44100");
    CHECK(stream_column(audio, "sample_fmt") == "fltp");
    CHECK(stream_column(audio, "bitrate") == "104.047000");
    CHECK(stream_column(audio, "width") == "<null>");
    const MediaStream& video = job.streams[1];
    CHECK(video.kind == "video");
    CHECK(stream_column(video, "stream_index") == "0");
    CHECK(stream_column(video, "codec_name") == "h264");
    CHECK(stream_column(video, "width") == "544");
    CHECK(stream_column(video, "height") == "960");
    CHECK(stream_column(video, "avg_fps") == "25.000000");
    CHECK(stream_column(video, "fps") == "25.000000");
    CHECK(stream_column(video, "level") == "10");
    CHECK(stream_column(video, "num_frames") == "324");
    CHECK(stream_column(video, "has_b_frame") == "0");
    CHECK(stream_column(video, "ref_frames") == "1");
    CHECK(stream_column(video, "rotation") == "0.000000");
    CHECK(stream_column(video, "pix_format") == "yuv420p");
    CHECK(stream_column(video, "profile") == "High");
    CHECK(stream_column(video, "color_primaries") == "bt470bg");
    CHECK(stream_column(video, "timebase") == "1/12800");
    CHECK(stream_column(video, "channel") == "<null>");
    CHECK(stream_column(video, "dar") == "<null>");

    REQUIRE(job.output_files.size() == 1);
    const OutputFile& file = job.output_files[0];
    CHECK(file.kind == "main");
    CHECK(show(file.bucket) == "test-123456789");
    CHECK(show(file.region) == "ap-chongqing");
    CHECK(show(file.object_prefix) == "<null>");
    CHECK(show(file.object_name) == "output/out.mp4");
    CHECK(show(file.md5) == "3df1f845d2ffd20a525a93ec40014d90");
}

TEST_CASE("jobs_page: detail_xml is the exact raw slice of each JobsDetail")
{
    const std::string body = testing::read_xml_fixture("sample_response.xml");
    const JobsPage page = parse_jobs_page(body);
    REQUIRE(page.jobs.size() == 2);
    std::size_t from = 0;
    for (const JobRecord& job : page.jobs) {
        const std::size_t start = body.find("<JobsDetail>", from);
        const std::size_t end = body.find("</JobsDetail>", start) + 13;
        from = end;
        CHECK(job.detail_xml == std::string_view(body).substr(start, end - start));
        CHECK(job.detail_xml.data() == page.body.data() + start);
        CHECK(job.detail_xml.substr(0, 12) == "<JobsDetail>");
        CHECK(job.detail_xml.substr(job.detail_xml.size() - 13) == "</JobsDetail>");
    }
    CHECK(page.jobs[0].detail_xml.find("<JobId>j8d121820f5e411ec926ef19d53ba9c6f</JobId>") !=
          std::string_view::npos);
    CHECK(page.jobs[1].detail_xml.find("<Message/>") != std::string_view::npos);
}

TEST_CASE("jobs_page: detail_xml survives nesting, comments, CDATA and odd end tags")
{
    const std::string detail =
        "<JobsDetail note=\"a/>b\">\n"
        "<JobId>j1</JobId><Tag>T</Tag>"
        "<CreationTime>2024-01-01T00:00:00Z</CreationTime>"
        "<!-- a > b </JobsDetail> --><Text><![CDATA[x > </JobsDetail>]]></Text>"
        "<Extra><JobsDetail><X/></JobsDetail><JobsDetail/></Extra>"
        "<JobsDetailFoo></JobsDetailFoo>"
        "</JobsDetail\n >";
    const JobsPage page = parse_jobs_page(response(detail + job_xml("j2")));
    REQUIRE(page.jobs.size() == 2);
    CHECK(page.jobs[0].detail_xml == detail);
    CHECK(page.jobs[1].detail_xml == job_xml("j2"));
    CHECK(page.jobs[0].creation_time == 1704067200);
}

TEST_CASE("jobs_page: empty results have no jobs")
{
    SECTION("self-closing Response")
    {
        const JobsPage page = parse_jobs_page("<Response/>");
        CHECK(page.jobs.empty());
        CHECK(page.next_token.empty());
    }
    SECTION("one empty JobsDetail and an empty NextToken")
    {
        const JobsPage page = parse_jobs_page("<Response><JobsDetail/><NextToken/></Response>");
        CHECK(page.jobs.empty());
        CHECK(page.next_token.empty());
    }
    SECTION("JobsDetail with only whitespace or only empty elements")
    {
        const JobsPage page =
            parse_jobs_page("<Response>\n <JobsDetail>\n </JobsDetail>\n"
                            " <JobsDetail><State/><JobId/><Code></Code></JobsDetail>\n"
                            " <NextToken></NextToken>\n</Response>\n");
        CHECK(page.jobs.empty());
        CHECK(page.next_token.empty());
    }
    SECTION("no NextToken at all, one real job")
    {
        const JobsPage page = parse_jobs_page(response(job_xml("j1")));
        REQUIRE(page.jobs.size() == 1);
        CHECK(page.next_token.empty());
    }
}

TEST_CASE("jobs_page: missing optional elements are null and placeholders are skipped")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("minimal_jobs.xml"));
    CHECK(page.warnings.empty());
    REQUIRE(page.jobs.size() == 2);
    const JobRecord& submitted = page.jobs[0];
    CHECK(submitted.job_id == "jsubmitted");
    CHECK(show(submitted.state) == "Submitted");
    CHECK(submitted.creation_time == 1704067200);
    CHECK_FALSE(submitted.start_time.has_value()); // "-"
    CHECK_FALSE(submitted.end_time.has_value());   // empty
    CHECK_FALSE(submitted.progress.has_value());   // <Progress/>
    CHECK(show(submitted.message) == "<null>");
    CHECK(show(submitted.code) == "<null>");
    CHECK(show(submitted.queue_id) == "<null>");
    CHECK(show(submitted.input_object) == "<null>");
    CHECK(show(submitted.template_id) == "<null>");
    CHECK_FALSE(submitted.job_level.has_value());
    CHECK_FALSE(submitted.media_format.has_value());
    CHECK(submitted.outputs.empty());
    CHECK(submitted.watermark_template_ids.empty());

    const JobRecord& running = page.jobs[1];
    CHECK(running.job_id == "jrunning");
    CHECK(running.creation_time == 1704067205);
    CHECK_FALSE(running.end_time.has_value());
    CHECK(running.outputs.empty());
    CHECK(running.streams.empty());
    CHECK(running.output_files.empty());
}

TEST_CASE("jobs_page: Input, CosHeaders, Workflow and Operation scalars")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK(page.next_token == "31");
    CHECK(job.tag == "VoiceSeparate");
    CHECK(show(job.sub_tag) == "VoiceSeparate");
    CHECK(show(job.queue_type) == "Transcoding");
    CHECK(job.creation_time == 1709251200);
    CHECK(job.start_time == 1709251201);
    CHECK(job.end_time == 1709251241);
    CHECK(show(job.input_bucket) == "examplebucket-1250000000");
    CHECK(show(job.input_region) == "ap-guangzhou");
    CHECK(show(job.input_url) ==
          "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/in/song.mp3");
    REQUIRE(job.cos_headers.size() == 3);
    CHECK(job.cos_headers[0].key == "Content-Type");
    CHECK(job.cos_headers[0].value == "audio/mpeg");
    CHECK(job.cos_headers[1].key == "x-cos-meta-note");
    CHECK(job.cos_headers[1].value == "a&b");
    CHECK(job.cos_headers[2].key == "EventName");
    CHECK(job.cos_headers[2].value.empty());
    // The first Workflow wins, and WorkflowName beats Name.
    CHECK(show(job.workflow_id) == "w1234567890abcdef1234567890abcdef");
    CHECK(show(job.workflow_name) == "separate-vocals");
    CHECK(show(job.workflow_run_id) == "i5f6e7d8c9b0a11ee8a1b525400000000");
    CHECK(show(job.template_id) == "t1abcdef");
    CHECK(show(job.user_data) == "{\"k\":\"v\"}");
    CHECK(job.job_level == 2);
    CHECK(job.watermark_template_ids == std::vector<std::string_view>{"t2first", "t2second"});
}

TEST_CASE("jobs_page: Workflow Name is used when WorkflowName is absent")
{
    const JobsPage page = parse_jobs_page(
        response(job_xml("j1", "<Workflow><Name>by-name</Name><RunId>r1</RunId></Workflow>")));
    REQUIRE(page.jobs.size() == 1);
    CHECK(show(page.jobs[0].workflow_name) == "by-name");
    CHECK(show(page.jobs[0].workflow_run_id) == "r1");
    CHECK(show(page.jobs[0].workflow_id) == "<null>");
}

TEST_CASE("jobs_page: every Output object, StreamExtract included, in document order")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    REQUIRE(page.jobs.size() == 1);
    const std::vector<OutputObject>& outs = page.jobs[0].outputs;
    struct Expected {
        const char* kind;
        const char* bucket;
        const char* object;
        const char* stream_index;
    };
    // The empty <SpriteObject/> of the first Output makes no row; the bad
    // StreamExtract Index ("x2") is dropped with a warning.
    const Expected expected[] = {
        {"main", "outbucket-1250000000", "out/vocal.mp3", "<null>"},
        {"audio", "outbucket-1250000000", "out/audio.mp3", "<null>"},
        {"background", "outbucket-1250000000", "out/bass.mp3", "<null>"},
        {"drum", "outbucket-1250000000", "out/drum.mp3", "<null>"},
        {"stream_extract", "outbucket-1250000000", "out/stream1.aac", "1"},
        {"stream_extract", "outbucket-1250000000", "out/stream2.aac", "<null>"},
        {"sprite", "spritebucket-1250000000", "sprite/${number}.jpg", "<null>"},
    };
    REQUIRE(outs.size() == std::size(expected));
    for (std::size_t i = 0; i < outs.size(); ++i) {
        INFO("output " << i);
        CHECK(outs[i].kind == expected[i].kind);
        CHECK(show(outs[i].bucket) == expected[i].bucket);
        CHECK(show(outs[i].object) == expected[i].object);
        CHECK(show(outs[i].stream_index) == expected[i].stream_index);
    }
    CHECK(show(outs[0].region) == "ap-guangzhou");
    CHECK(show(outs[6].region) == "<null>");
}

TEST_CASE("jobs_page: repeated Audio streams, empty Video, and a Subtitle with children")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    REQUIRE(page.jobs.size() == 1);
    const JobRecord& job = page.jobs[0];
    CHECK(format_column(job, "duration") == "40.0");
    CHECK(format_column(job, "size") == "<null>"); // <Size/>
    CHECK(format_column(job, "num_stream") == "2");
    CHECK(format_column(job, "bitrate") == "<null>"); // "N/A"
    REQUIRE(job.streams.size() == 3);
    CHECK(job.streams[0].kind == "audio");
    CHECK(stream_column(job.streams[0], "codec_name") == "mp3");
    CHECK(stream_column(job.streams[0], "sample_rate") == "44100");
    CHECK(job.streams[1].kind == "audio");
    CHECK(stream_column(job.streams[1], "codec_name") == "aac");
    CHECK(stream_column(job.streams[1], "stream_index") == "1");
    CHECK(stream_column(job.streams[1], "bitrate") == "128.5e0");
    CHECK(stream_column(job.streams[1], "width") == "<null>"); // "wide"
    CHECK(job.streams[2].kind == "subtitle");
    CHECK(stream_column(job.streams[2], "language") == "eng");
}

TEST_CASE("jobs_page: ObjectName and Md5Info pairs are matched by name")
{
    const JobsPage page = parse_jobs_page(testing::read_xml_fixture("rich_job.xml"));
    REQUIRE(page.jobs.size() == 1);
    const std::vector<OutputFile>& files = page.jobs[0].output_files;
    REQUIRE(files.size() == 4);
    CHECK(files[0].kind == "main");
    CHECK(show(files[0].object_name) == "out/audio.mp3");
    CHECK(show(files[0].md5) == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    CHECK(show(files[0].bucket) == "outbucket-1250000000");
    CHECK(show(files[0].region) == "ap-guangzhou");
    CHECK(show(files[0].object_prefix) == "<null>");
    CHECK(show(files[1].object_name) == "out/background.mp3");
    CHECK(show(files[1].md5) == "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK(show(files[2].object_name) == "out/no-md5.mp3");
    CHECK(show(files[2].md5) == "<null>");
    // SpriteOutputFile: one ObjectName and one unnamed Md5Info belong together.
    CHECK(files[3].kind == "sprite");
    CHECK(show(files[3].bucket) == "spritebucket-1250000000");
    CHECK(show(files[3].object_prefix) == "sprite/");
    CHECK(show(files[3].object_name) == "sprite/0.jpg");
    CHECK(show(files[3].md5) == "cccccccccccccccccccccccccccccccc");
}

TEST_CASE("jobs_page: an unnamed Md5Info is not guessed when ObjectNames repeat")
{
    const JobsPage page = parse_jobs_page(response(
        job_xml("j1", "<Operation><MediaResult>"
                      "<OutputFile><ObjectName>a</ObjectName><ObjectName>b</ObjectName>"
                      "<Md5Info><Md5>ffff</Md5></Md5Info></OutputFile>"
                      "<OutputFile><Bucket>b2</Bucket><ObjectName>c</ObjectName></OutputFile>"
                      "</MediaResult></Operation>")));
    REQUIRE(page.jobs.size() == 1);
    const std::vector<OutputFile>& files = page.jobs[0].output_files;
    REQUIRE(files.size() == 3);
    CHECK(show(files[0].md5) == "<null>");
    CHECK(show(files[1].md5) == "<null>");
    CHECK(show(files[2].object_name) == "c");
    CHECK(show(files[2].bucket) == "b2");
    CHECK(show(files[0].bucket) == "<null>");
}

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
