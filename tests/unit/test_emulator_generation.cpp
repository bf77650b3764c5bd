// The emulator's generated jobs: deterministic, varied like the service's,
// rendered as well-formed XML the worker's parser fully knows.
#include "emulator/job_spec.hpp"
#include "jobsync/core/api_tags.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

namespace {

JobSpec sample_job()
{
    JobSpec job;
    job.job_id = "j0123456789abcdef0123456789abcdef";
    job.tag = "Transcode";
    job.state = "Running";
    job.code = "Success";
    job.progress = 30;
    job.creation_time = 1656314592; // 2022-06-27T15:23:12+0800
    job.start_time = job.creation_time + 1;
    job.queue_id = "p2242ab62c7c94486915508540933a2c6";
    job.input_bucket = "test-123456789";
    job.input_region = "ap-chongqing";
    job.input_object = "input/Tom & Jerry <1>.mp4";
    job.template_id = "t1460606b9752148c4ab182f55163ba7cd";
    job.watermark_template_ids = {"t1a", "t1b"};
    job.output_bucket = "test-123456789";
    job.output_region = "ap-chongqing";
    job.output_object = "output/out.mp4";
    job.user_data = "a<b & \"c\" > d";
    return job;
}

} // namespace

TEST_CASE("emulator: generation is deterministic and ids are unique")
{
    const GeneratorOptions options = small_options(2000);
    const auto first = generate_jobs(options);
    const auto second = generate_jobs(options);
    REQUIRE(first.size() == 2000);
    std::set<std::string> ids;
    std::size_t shared_seconds = 0;
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(render_job_xml(first[i]) == render_job_xml(second[i]));
        ids.insert(first[i].job_id);
        CHECK(first[i].job_id.size() == 33);
        if (i > 0) {
            REQUIRE(first[i].creation_time >= first[i - 1].creation_time);
            shared_seconds += first[i].creation_time == first[i - 1].creation_time ? 1 : 0;
        }
    }
    CHECK(ids.size() == first.size());
    CHECK(first.front().creation_time == options.first_creation_time);
    CHECK(shared_seconds > 100);
    CHECK(shared_seconds < 400);
    const double mean_gap =
        static_cast<double>(first.back().creation_time - first.front().creation_time) / 1999.0;
    CHECK(mean_gap > 25);
    CHECK(mean_gap < 35);

    // generate_job reproduces any one job; other seeds give other ids.
    const JobSpec again = generate_job(options, 1234, first[1234].tag, first[1234].creation_time);
    CHECK(render_job_xml(again) == render_job_xml(first[1234]));
    GeneratorOptions other = options;
    other.seed = 7;
    CHECK(generate_jobs(other).front().job_id != first.front().job_id);
}

TEST_CASE("emulator: generated jobs have the service's variety")
{
    const auto jobs = generate_jobs(small_options(2000));
    std::map<std::string, int> states;
    std::set<std::string> tags;
    std::set<std::string> queues;
    int special_objects = 0;
    int two_audio = 0;
    int subtitles = 0;
    int two_outputs = 0;
    int several_watermarks = 0;
    int workflows = 0;
    int escaped_user_data = 0;
    for (const JobSpec& job : jobs) {
        ++states[job.state];
        tags.insert(job.tag);
        queues.insert(job.queue_id);
        CHECK_FALSE(job.watermark_template_ids.empty());
        several_watermarks += job.watermark_template_ids.size() > 1 ? 1 : 0;
        workflows += job.workflow_id.empty() ? 0 : 1;
        escaped_user_data += job.user_data.find_first_of("<&") != std::string::npos ? 1 : 0;
        special_objects += job.input_object.find_first_of(" &\xe7") != std::string::npos ? 1 : 0;
        if (job.state == "Success") {
            CHECK(job.progress == 100);
            CHECK(job.end_time.has_value());
            REQUIRE_FALSE(job.format_fields.empty());
            REQUIRE_FALSE(job.output_files.empty());
            CHECK(job.output_files[0].md5.size() == 32);
            const auto audio = std::count_if(job.streams.begin(), job.streams.end(),
                                             [](const StreamSpec& s) { return s.kind == "audio"; });
            two_audio += audio == 2 ? 1 : 0;
            subtitles += std::any_of(job.streams.begin(), job.streams.end(),
                                     [](const StreamSpec& s) { return s.kind == "subtitle"; });
            two_outputs += job.output_files.size() == 2 ? 1 : 0;
        } else {
            CHECK(job.format_fields.empty());
            CHECK(job.output_files.empty());
        }
        if (job.state == "Failed") {
            CHECK(job.code != "Success");
            CHECK_FALSE(job.message.empty());
        }
        if (job.state == "Running") {
            CHECK(job.progress >= 1);
            CHECK(job.progress <= 99);
            CHECK(job.start_time.has_value());
            CHECK_FALSE(job.end_time.has_value());
        }
        if (job.state == "Submitted") {
            CHECK(job.progress == 0);
            CHECK_FALSE(job.start_time.has_value());
        }
    }
    // Only the newest 3% (60 jobs) can be unfinished, about 30% of them.
    CHECK(states["Success"] > 1700);
    CHECK(states["Success"] < 1900);
    CHECK(states["Failed"] > 80);
    CHECK(states["Running"] + states["Submitted"] > 5);
    CHECK(states["Running"] + states["Submitted"] < 40);
    CHECK(tags.size() == 4);
    CHECK(queues.size() == 2);
    CHECK(special_objects > 200);
    CHECK(two_audio > 50);
    CHECK(subtitles > 50);
    CHECK(two_outputs > 50);
    CHECK(several_watermarks > 200);
    CHECK(workflows > 100);
    CHECK(escaped_user_data > 50);
}

TEST_CASE("emulator: render_job_xml is well-formed, ordered and escaped")
{
    for (const JobSpec& job : generate_jobs(small_options(400))) {
        INFO(job.job_id);
        REQUIRE(is_well_formed(render_job_xml(job)));
    }

    JobSpec job = sample_job();
    const std::string xml = render_job_xml(job);
    ParsedXml parsed(xml);
    const auto* detail = parsed.document.first_node("JobsDetail");
    REQUIRE(detail != nullptr);
    std::vector<std::string> order;
    for (auto* n = detail->first_node(); n; n = n->next_sibling()) {
        order.emplace_back(n->name(), n->name_size());
    }
    CHECK(order == std::vector<std::string>{"Code", "Message", "JobId", "Tag", "State", "Progress",
                                            "CreationTime", "StartTime", "EndTime", "QueueId",
                                            "Input", "Operation"});
    CHECK(child_text(detail, "CreationTime") == "2022-06-27T15:23:12+0800");
    CHECK(child_text(detail, "StartTime") == "2022-06-27T15:23:13+0800");
    CHECK(child_text(detail, "EndTime") == "-");
    CHECK(child_text(detail->first_node("Input"), "Object") == job.input_object);
    CHECK(child_text(detail->first_node("Operation"), "UserData") == job.user_data);
    CHECK(xml.find("<UserData>a&lt;b &amp; &quot;c&quot; &gt; d</UserData>") != std::string::npos);
    CHECK(xml.find("Tom &amp; Jerry &lt;1&gt;") != std::string::npos);
    CHECK(xml.find("<MediaInfo>") == std::string::npos);

    job.streams = {{"audio", {{"Index", "1"}}}, {"subtitle", {}}, {"video", {{"Index", "0"}}}};
    job.format_fields = {{"NumStream", "2"}};
    job.output_files = {{"b", "r", "", "output/a.mp4", "3df1f845d2ffd20a525a93ec40014d90"},
                        {"b", "r", "", "output/b.mp4", "00000000000000000000000000000000"}};
    job.workflow_id = "w0123456789abcdef0123456789abcdef";
    job.queue_type = "Transcoding";
    job.extra_operation_xml = "<RemoveWatermark><Dx>1</Dx></RemoveWatermark>";
    const std::string full = render_job_xml(job);
    REQUIRE(is_well_formed(full));
    CHECK(full.find("<Stream><Audio><Index>1</Index></Audio><Subtitle/><Video>") !=
          std::string::npos);
    CHECK(full.find("<QueueType>Transcoding</QueueType><Input>") != std::string::npos);
    CHECK(full.find("</Input><Workflow><WorkflowId>w0123") != std::string::npos);
    CHECK(full.find("<WatermarkTemplateId>t1b</WatermarkTemplateId><RemoveWatermark>") !=
          std::string::npos);
    CHECK(full.find("<MediaResult><OutputFile><Bucket>b</Bucket><Region>r</Region>"
                    "<ObjectPrefix/><ObjectName>output/a.mp4</ObjectName>"
                    "<ObjectName>output/b.mp4</ObjectName><Md5Info>") != std::string::npos);
}

TEST_CASE("emulator: every tag renders its type's shapes, all known to the parser")
{
    GeneratorOptions options = small_options(1500);
    options.tags = all_api_tags();
    const auto jobs = generate_jobs(options);
    std::string body = "<Response>";
    std::map<std::string, int> tags;
    std::set<std::string> output_kinds;
    int sprites = 0, headers = 0, urls = 0, blank = 0, empty_video = 0, results = 0;
    for (const JobSpec& job : jobs) {
        body += render_job_xml(job);
        ++tags[job.tag];
        for (const auto& extra : job.extra_outputs) {
            output_kinds.insert(extra.kind);
        }
        sprites += job.sprite_files.empty() ? 0 : 1;
        headers += job.cos_headers.empty() ? 0 : 1;
        urls += job.input_url.empty() ? 0 : 1;
        blank += job.blank_times ? 1 : 0;
        results += job.result_rows.empty() ? 0 : 1;
        empty_video += std::any_of(job.streams.begin(), job.streams.end(), [](const auto& s) {
            return s.kind == "video" && s.fields.empty();
        });
        if (!job.cos_headers.empty()) {
            CHECK_FALSE(job.workflow_id.empty());
        }
    }
    body += "</Response>";
    CHECK(tags.size() == 25);
    CHECK(output_kinds == std::set<std::string>{"sprite", "audio", "background", "stream_extract"});
    CHECK(sprites > 10);
    CHECK(headers > 10);
    CHECK(urls > 10);
    CHECK(blank > 0);
    CHECK(empty_video > 10);
    CHECK(results > 100);

    const JobsPage page = parse_jobs_page(body);
    REQUIRE(page.jobs.size() == jobs.size());
    CHECK(page.warnings.empty());
    for (const auto& [key, sighting] : page.unknown_elements) {
        UNSCOPED_INFO(key.first << " " << key.second);
    }
    CHECK(page.unknown_elements.empty());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const JobSpec& spec = jobs[i];
        const JobRecord& job = page.jobs[i];
        INFO(spec.tag << " " << spec.job_id);
        CHECK(job.outputs.size() ==
              spec.extra_outputs.size() + (spec.output_object.empty() ? 0 : 1));
        CHECK(job.output_files.size() == spec.output_files.size() + spec.sprite_files.size());
        CHECK(job.cos_headers.size() == spec.cos_headers.size());
        CHECK(job.input_url.has_value() == !spec.input_url.empty());
        CHECK(job.workflow_run_id.has_value() == !spec.workflow_id.empty());
        CHECK(job.end_time.has_value() == spec.end_time.has_value());
    }
}
