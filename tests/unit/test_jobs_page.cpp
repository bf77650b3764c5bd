// parse_jobs_page, field by field: the API samples, optional elements, outputs,
// media streams and Md5Info pairing.
#include "test_jobs_page_support.hpp"

#include "support/test_data.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;
using namespace jobs_page_test;

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
