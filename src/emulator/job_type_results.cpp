// Shaped after the API notes (ci-api-notes.md section 2.2) and the SDKs'
// response models.
#include "emulator/job_type_results.hpp"

#include <array>

namespace jobsync::emulator {
namespace {

using type_parts::decimal;
using type_parts::digital_watermark_node;
using type_parts::el;
using type_parts::md5_for;
using type_parts::no_media;
using type_parts::object_stem;
using type_parts::set_files;
using type_parts::wrap;

void snapshot_results(JobSpec& job, Prng& rng)
{
    const std::string stem = object_stem(job.output_object);
    const std::string base = stem.substr(0, stem.size() - std::string("-${number}").size());
    set_files(job, {base + "-0.jpg", base + "-1.jpg", base + "-2.jpg"}, rng);
    job.sprite_files.clear();
    for (const char* n : {"0", "1"}) {
        job.sprite_files.push_back({job.output_bucket, job.output_region, "",
                                    base + "-sprite-" + n + ".jpg", md5_for(rng)});
    }
}

void smart_cover_results(JobSpec& job, Prng& rng)
{
    const std::string stem = object_stem(job.output_object);
    const std::string base = stem.substr(0, stem.size() - std::string("-${Number}").size());
    set_files(job, {base + "-0.jpg", base + "-1.jpg", base + "-2.jpg"}, rng);
}

void segment_results(JobSpec& job, Prng& rng)
{
    const std::string stem = object_stem(job.output_object);
    std::vector<std::string> objects{job.output_object};
    for (long i = 0; i < rng.range(2, 4); ++i) {
        objects.push_back(stem + "-" + std::to_string(i) + ".ts");
    }
    set_files(job, objects, rng);
}

void digital_watermark_results(JobSpec& job, Prng&)
{
    if (!job.settings_xml.empty()) {
        job.settings_xml = digital_watermark_node(job, true);
    }
}

void extract_watermark_results(JobSpec& job, Prng&)
{
    const std::string message = "wm-" + hex64(hash64(job.job_id)).substr(0, 10);
    job.settings_xml = wrap("ExtractDigitalWatermark",
                            el("Type", "Text") + el("Version", "V1") + el("Message", message));
    job.result_rows = {{{"type", "Text"}, {"version", "V1"}, {"message", message}}};
}

void video_tag_results(JobSpec& job, Prng& rng)
{
    struct Tag {
        const char* tag;
        const char* cls;
    };
    static constexpr std::array<Tag, 5> kTags{{{"风景", "场景"},
                                               {"猫", "动物"},
                                               {"足球", "运动"},
                                               {"city & night", "scene"},
                                               {"car", "object"}}};
    std::string tags;
    const long count = rng.range(1, 3);
    const std::uint64_t first = rng.below(kTags.size());
    for (long i = 0; i < count; ++i) {
        const Tag& tag = kTags[(first + static_cast<std::uint64_t>(i)) % kTags.size()];
        const std::string confidence = decimal(static_cast<double>(rng.range(50, 99)) / 100.0, 2);
        tags +=
            wrap("Tags", el("Tag", tag.tag) + el("TagCls", tag.cls) + el("Confidence", confidence));
        job.result_rows.push_back({{"ordinal", std::to_string(i + 1)},
                                   {"tag", tag.tag},
                                   {"tag_cls", tag.cls},
                                   {"confidence", confidence}});
    }
    job.result_xml =
        wrap("VideoTagResult",
             wrap("StreamData", el("SubErrCode", "0") + el("SubErrMsg", "") + wrap("Data", tags)));
    no_media(job);
}

void stream_extract_results(JobSpec& job, Prng& rng)
{
    set_files(job, {job.extra_outputs[0].object, job.extra_outputs[1].object}, rng);
}

void quality_estimate_results(JobSpec& job, Prng& rng)
{
    const std::string score = decimal(static_cast<double>(rng.range(4000, 9900)) / 100.0, 2);
    const bool no_audio = rng.chance(0.2);
    job.result_xml =
        wrap("QualityEstimate",
             el("Score", score) + wrap("VqaPlusResult", el("NoAudio", no_audio ? "true" : "false") +
                                                            el("NoVideo", "false")));
    job.result_rows = {
        {{"score", score}, {"no_audio", no_audio ? "true" : "false"}, {"no_video", "false"}}};
}

void pic_process_results(JobSpec& job, Prng& rng)
{
    no_media(job);
    const std::string width = std::to_string(rng.range(2, 20) * 64);
    const std::string height = std::to_string(rng.range(2, 20) * 64);
    const std::string size = std::to_string(rng.range(10000, 900000));
    const std::string etag = "\"" + md5_for(rng) + "\"";
    const std::string location =
        job.output_bucket + ".cos." + job.output_region + ".myqcloud.com/" + job.output_object;
    job.result_xml =
        wrap("PicProcessResult",
             wrap("UploadResult",
                  wrap("OriginalInfo",
                       el("Key", job.input_object) +
                           wrap("ImageInfo", el("Format", "JPEG") + el("Width", "4096") +
                                                 el("Height", "2048") + el("Quality", "90") +
                                                 el("Ave", "0x8a7a6a") + el("Orientation", "0"))) +
                      wrap("ProcessResults",
                           wrap("Object", el("Key", job.output_object) + el("Location", location) +
                                              el("Format", "jpg") + el("Width", width) +
                                              el("Height", height) + el("Size", size) +
                                              el("Quality", "85") + el("Etag", etag)))));
    job.result_rows = {{{"object_key", job.output_object},
                        {"format", "jpg"},
                        {"width", width},
                        {"height", height},
                        {"size", size},
                        {"etag", etag}}};
}

void speech_recognition_results(JobSpec& job, Prng& rng)
{
    static constexpr std::array<const char*, 3> kTexts{
        "[0:0.000,0:2.560]  今天天气很好。", "hello & welcome <everyone>", "第一段，第二段。"};
    no_media(job);
    const std::string audio_time =
        decimal(static_cast<double>(rng.range(1000, 600000)) / 1000.0, 3);
    const std::string text = rng.pick(kTexts);
    job.result_xml =
        wrap("SpeechRecognitionResult", el("AudioTime", audio_time) + el("Result", text));
    job.result_rows = {{{"audio_time", audio_time}, {"result_text", text}}};
}

void voice_separate_results(JobSpec& job, Prng& rng)
{
    // Two audio streams and an empty <Video/>, as in the service's sample.
    std::vector<StreamSpec> streams;
    for (const StreamSpec& stream : job.streams) {
        if (stream.kind == "audio") {
            streams.push_back(stream);
        }
    }
    if (streams.size() == 1) {
        StreamSpec second = streams.front();
        for (auto& [name, value] : second.fields) {
            if (name == "Index") {
                value = "2";
            }
        }
        streams.push_back(second);
    }
    streams.push_back({"video", {}});
    job.streams = std::move(streams);
    set_files(job, {job.extra_outputs[0].object, job.extra_outputs[1].object}, rng);
}

void translation_results(JobSpec& job, Prng&)
{
    no_media(job);
    const auto lang_at = job.settings_xml.find("<Lang>") + 6;
    const std::string lang = job.settings_xml.substr(lang_at, 2);
    job.result_rows = {{{"lang", lang}, {"type", "txt"}, {"output_object", job.output_object}}};
}

void words_generalize_results(JobSpec& job, Prng& rng)
{
    struct Label {
        const char* category;
        const char* word;
    };
    static constexpr std::array<Label, 4> kLabels{
        {{"人名", "张三"}, {"地名", "深圳"}, {"机构名", "腾讯云"}, {"time", "08:00 & later"}}};
    no_media(job);
    std::string labels;
    std::string tokens;
    const long count = rng.range(1, 3);
    for (long i = 0; i < count; ++i) {
        const Label& label = kLabels[static_cast<std::size_t>(i + rng.range(0, 1))];
        labels +=
            wrap("WordsGeneralizeLable", el("Category", label.category) + el("Word", label.word));
        tokens += wrap("WordsGeneralizeToken", el("Word", label.word) +
                                                   el("Offset", std::to_string(i * 4)) +
                                                   el("Length", "2") + el("Pos", "n"));
        job.result_rows.push_back({{"ordinal", std::to_string(i + 1)},
                                   {"category", label.category},
                                   {"word", label.word}});
    }
    job.result_xml = wrap("WordsGeneralizeResult", labels + tokens);
}

void video_target_rec_results(JobSpec& job, Prng& rng)
{
    no_media(job);
    std::string result;
    long ordinal = 0;
    for (const auto& [group, info, name] : std::array<std::array<const char*, 3>, 2>{
             {{"BodyRecognition", "BodyInfo", "person"}, {"PetRecognition", "PetInfo", "cat"}}}) {
        const std::string time = decimal(static_cast<double>(rng.range(0, 9000)) / 100.0, 2);
        const std::string score = std::to_string(rng.range(60, 99));
        result += wrap(
            group,
            el("Time", time) + el("Url", "https://example.com/frames/" + job.job_id + ".jpg") +
                wrap(info, el("Name", name) + el("Score", score) +
                               wrap("Location", el("X", "10") + el("Y", "20") + el("Width", "100") +
                                                    el("Height", "200"))));
        job.result_rows.push_back({{"ordinal", std::to_string(++ordinal)},
                                   {"target", group},
                                   {"time_offset", time},
                                   {"name", name},
                                   {"score", score}});
    }
    job.result_xml = wrap("VideoTargetRecResult", result);
}

void split_video_parts_results(JobSpec& job, Prng& rng)
{
    std::string shots;
    long start = 0;
    const long count = rng.range(2, 4);
    for (long i = 0; i < count; ++i) {
        const long end = start + rng.range(2, 30);
        shots += wrap("ShotInfo",
                      el("StartTime", std::to_string(start)) + el("EndTime", std::to_string(end)));
        job.result_rows.push_back({{"ordinal", std::to_string(i + 1)},
                                   {"start_time", std::to_string(start)},
                                   {"end_time", std::to_string(end)}});
        start = end;
    }
    job.result_xml = wrap("SplitVideoInfoResult", el("ShotNum", std::to_string(count)) + shots);
}

} // namespace

const std::map<std::string, type_parts::TypeStep>& type_result_steps()
{
    static const std::map<std::string, type_parts::TypeStep> steps{
        {"Snapshot", snapshot_results},
        {"SmartCover", smart_cover_results},
        {"Segment", segment_results},
        {"DigitalWatermark", digital_watermark_results},
        {"ExtractDigitalWatermark", extract_watermark_results},
        {"VideoTag", video_tag_results},
        {"StreamExtract", stream_extract_results},
        {"QualityEstimate", quality_estimate_results},
        {"PicProcess", pic_process_results},
        {"SpeechRecognition", speech_recognition_results},
        {"VoiceSeparate", voice_separate_results},
        {"Translation", translation_results},
        {"WordsGeneralize", words_generalize_results},
        {"VideoTargetRec", video_target_rec_results},
        {"SplitVideoParts", split_video_parts_results},
    };
    return steps;
}

} // namespace jobsync::emulator
