// Per-tag Operation content: the template settings each job type echoes, the
// extra objects it writes and the results it reports, shaped after the API
// notes (ci-api-notes.md section 2.2) and the SDKs' response models.
#include "emulator/job_types.hpp"

#include "emulator/prng.hpp"
#include "emulator/xml_escape.hpp"

#include <array>
#include <cstdio>
#include <functional>
#include <map>

namespace jobsync::emulator {
namespace {

// Seeds the type-specific draws from the job id alone (see add_type_settings).
Prng type_rng(const JobSpec& job, std::uint64_t salt)
{
    return Prng(hash64(job.job_id) ^ salt);
}

std::string decimal(double value, int digits)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

// "<name>inner</name>" where inner is already XML.
std::string wrap(std::string_view name, const std::string& inner)
{
    return "<" + std::string(name) + ">" + inner + "</" + std::string(name) + ">";
}

std::string el(std::string_view name, std::string_view text)
{
    std::string out;
    append_element(out, name, text);
    return out;
}

// "output/x/a.mp4" -> "output/x/a" (the stem the job's other objects share).
std::string object_stem(const std::string& object)
{
    const auto dot = object.rfind('.');
    const auto slash = object.rfind('/');
    const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
    return has_ext ? object.substr(0, dot) : object;
}

std::string md5_for(Prng& rng)
{
    const std::uint64_t high = rng.next();
    const std::uint64_t low = rng.next();
    return hex64(high) + hex64(low);
}

void set_files(JobSpec& job, const std::vector<std::string>& objects, Prng& rng)
{
    job.output_files.clear();
    for (const std::string& object : objects) {
        job.output_files.push_back(
            {job.output_bucket, job.output_region, "", object, md5_for(rng)});
    }
}

// Analysis jobs write no object: no Output, no MediaResult.
void no_output(JobSpec& job)
{
    job.output_object.clear();
    job.output_files.clear();
}

void no_media(JobSpec& job)
{
    job.format_fields.clear();
    job.streams.clear();
}

void queue_type(JobSpec& job, const char* type)
{
    if (!job.queue_type.empty()) {
        job.queue_type = type;
    }
}

// ---- settings (every state) ----

void transcode_settings(JobSpec& job, Prng& rng)
{
    static constexpr std::array<const char*, 3> kCodecs{"H.264", "H.265", "AV1"};
    job.settings_xml =
        wrap("Transcode",
             wrap("Container", el("Format", "mp4")) +
                 wrap("Video", el("Codec", rng.pick(kCodecs)) + el("Width", "1280") +
                                   el("Fps", "30") + el("Bitrate", "1000")) +
                 wrap("Audio", el("Codec", "aac") + el("Samplerate", "44100") +
                                   el("Bitrate", "128") + el("Channels", "2")) +
                 wrap("TransConfig", el("AdjDarMethod", "scale") + el("IsCheckReso", "false")));
}

void animation_settings(JobSpec& job, Prng& rng)
{
    job.settings_xml = wrap(
        "Animation",
        wrap("Container", el("Format", "gif")) +
            wrap("Video", el("Codec", "gif") + el("Width", std::to_string(rng.range(2, 4) * 160)) +
                              el("Fps", "15") + el("AnimateOnlyKeepKeyFrame", "true")) +
            wrap("TimeInterval", el("Start", "0") + el("Duration", "5")));
}

void video_enhance_settings(JobSpec& job, Prng&)
{
    job.settings_xml =
        el("TranscodeTemplateId", "t1" + job.template_id.substr(2)) +
        wrap("VideoEnhance",
             wrap("Transcode", wrap("Container", el("Format", "mp4"))) +
                 wrap("SuperResolution", el("Resolution", "sdtohd") + el("EnableScaleUp", "true")) +
                 wrap("ColorEnhance", el("Enable", "true") + el("Contrast", "10")));
}

void snapshot_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap(
        "Snapshot",
        el("Mode", "Interval") + el("Start", "0") + el("TimeInterval", "10") + el("Count", "3") +
            el("Width", "320") + el("SnapshotOutMode", "SnapshotAndSprite") +
            wrap("SpriteSnapshotConfig", el("CellWidth", "160") + el("CellHeight", "90") +
                                             el("Columns", "3") + el("Lines", "1") +
                                             el("Color", "White")));
    const std::string stem = object_stem(job.output_object);
    job.output_object = stem + "-${number}.jpg";
    job.extra_outputs.push_back({"sprite", stem + "-sprite-${number}.jpg", ""});
}

void smart_cover_settings(JobSpec& job, Prng&)
{
    job.settings_xml =
        wrap("SmartCover", el("Format", "jpg") + el("Width", "1280") + el("Height", "720") +
                               el("Count", "3") + el("DeleteDuplicates", "true"));
    job.output_object = object_stem(job.output_object) + "-${Number}.jpg";
}

void concat_settings(JobSpec& job, Prng&)
{
    const std::string base =
        "https://" + job.input_bucket + ".cos." + job.input_region + ".myqcloud.com/";
    job.settings_xml =
        wrap("ConcatTemplate",
             wrap("ConcatFragment", el("Url", base + "intro.mp4") + el("Mode", "Start")) +
                 wrap("ConcatFragment", el("Url", base + "outro.mp4") + el("Mode", "End")) +
                 wrap("Container", el("Format", "mp4")) + el("Index", "1"));
}

void video_montage_settings(JobSpec& job, Prng& rng)
{
    job.settings_xml =
        wrap("VideoMontage",
             wrap("Container", el("Format", "mp4")) + wrap("Video", el("Codec", "H.264")) +
                 el("Duration", std::to_string(rng.range(10, 60))) + el("Scene", "Video"));
}

void segment_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("Segment", el("Format", "hls") + el("Duration", "10"));
    job.output_object = object_stem(job.output_object) + ".m3u8";
}

std::string digital_watermark_node(const JobSpec& job, bool with_state)
{
    const std::string message = "wm-" + job.job_id.substr(1, 10);
    return wrap("DigitalWatermark", el("Type", "Text") + el("Message", message) +
                                        el("Version", "V1") + el("IgnoreError", "false") +
                                        (with_state ? el("State", "Success") : ""));
}

void digital_watermark_settings(JobSpec& job, Prng&)
{
    // A generated DigitalWatermark node may already be there (SubTag jobs).
    if (job.extra_operation_xml.find("<DigitalWatermark>") == std::string::npos) {
        job.settings_xml = digital_watermark_node(job, false);
    }
}

void extract_watermark_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("ExtractDigitalWatermark", el("Type", "Text") + el("Version", "V1"));
    no_output(job);
}

void video_tag_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("VideoTag", el("Scenario", "Stream"));
    no_output(job);
    queue_type(job, "AIProcess");
}

void stream_extract_settings(JobSpec& job, Prng&)
{
    const std::string stem = object_stem(job.output_object);
    job.output_object.clear();
    job.extra_outputs.push_back({"stream_extract", stem + "-video.mp4", "0"});
    job.extra_outputs.push_back({"stream_extract", stem + "-audio.aac", "1"});
}

void quality_estimate_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("QualityEstimateConfig", el("Mode", "Normal") + el("Rotate", "0"));
    no_output(job);
    queue_type(job, "AIProcess");
}

void watermark_settings(JobSpec& job, Prng& rng)
{
    // Watermark repeats: one text and one image watermark.
    job.settings_xml =
        wrap("Watermark",
             el("Type", "Text") + el("Pos", "TopRight") + el("LocMode", "Absolute") +
                 el("Dx", std::to_string(rng.range(0, 64))) + el("Dy", "10") +
                 wrap("Text", el("FontSize", "30") + el("FontType", "simfang.ttf") +
                                  el("FontColor", "0xFFFFFF") + el("Transparency", "50") +
                                  el("Text", "© R&D <demo>"))) +
        wrap("Watermark", el("Type", "Image") + el("Pos", "BottomLeft") +
                              el("LocMode", "Relativity") + el("Dx", "0") + el("Dy", "0") +
                              wrap("Image", el("Url", "https://example.com/logo.png") +
                                                el("Mode", "Proportion") + el("Width", "10") +
                                                el("Transparency", "100")));
}

void pic_process_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("PicProcess", el("IsPicInfo", "true") +
                                              el("ProcessRule", "imageMogr2/thumbnail/!50p"));
    job.input_object = object_stem(job.input_object) + ".jpg";
    job.output_object = object_stem(job.output_object) + ".jpg";
    queue_type(job, "PicProcess");
}

void speech_recognition_settings(JobSpec& job, Prng&)
{
    job.settings_xml =
        wrap("SpeechRecognition", el("EngineModelType", "16k_zh") + el("ChannelNum", "1") +
                                      el("ResTextFormat", "0") + el("FilterDirty", "0"));
    job.output_object = object_stem(job.output_object) + ".txt";
    queue_type(job, "Speeching");
}

void noise_reduction_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("NoiseReduction", el("Format", "wav") + el("Samplerate", "16000"));
    job.output_object = object_stem(job.output_object) + ".wav";
    queue_type(job, "Speeching");
}

void voice_separate_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap(
        "VoiceSeparate", el("AudioMode", "AudioAndBackground") +
                             wrap("AudioConfig", el("Codec", "mp3") + el("Samplerate", "44100") +
                                                     el("Bitrate", "128") + el("Channels", "2")));
    const std::string stem = object_stem(job.output_object);
    job.output_object.clear();
    job.extra_outputs.push_back({"audio", stem + "-audio.mp3", ""});
    job.extra_outputs.push_back({"background", stem + "-background.mp3", ""});
}

void tts_settings(JobSpec& job, Prng& rng)
{
    static constexpr std::array<const char*, 3> kVoices{"ruxue", "aixiaonan", "zhiling"};
    job.settings_xml =
        wrap("TtsTpl", el("Mode", "Asyc") + el("Codec", "mp3") +
                           el("VoiceType", rng.pick(kVoices)) + el("Volume", "0") +
                           el("Speed", "100")) +
        wrap("TtsConfig", el("InputType", "Text") + el("Input", "欢迎使用 & enjoy <CI>"));
    job.output_object = object_stem(job.output_object) + ".mp3";
    queue_type(job, "Speeching");
}

void translation_settings(JobSpec& job, Prng& rng)
{
    static constexpr std::array<const char*, 3> kLangs{"en", "ja", "fr"};
    job.settings_xml = wrap("Translation", el("Lang", rng.pick(kLangs)) + el("Type", "txt"));
    job.input_object = object_stem(job.input_object) + ".txt";
    job.output_object = object_stem(job.output_object) + ".txt";
    queue_type(job, "AIProcess");
}

void words_generalize_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("WordsGeneralize", el("NerMethod", "DL") + el("SegMethod", "MIX"));
    job.input_object = object_stem(job.input_object) + ".txt";
    no_output(job);
    queue_type(job, "AIProcess");
}

void video_target_rec_settings(JobSpec& job, Prng&)
{
    job.settings_xml =
        wrap("VideoTargetRec", el("Body", "true") + el("Pet", "true") + el("Car", "false"));
    no_output(job);
    queue_type(job, "AIProcess");
}

void segment_video_body_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("SegmentVideoBody", el("Mode", "Mask") + el("SegmentType", "HumanSeg") +
                                                    el("BinaryThreshold", "0.1"));
}

void split_video_parts_settings(JobSpec& job, Prng&)
{
    job.settings_xml = wrap("SplitVideoParts", el("Mode", "SHOTDETECT"));
    no_output(job);
}

// ---- results (Success only) ----

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

using Step = void (*)(JobSpec&, Prng&);

struct TypeSteps {
    Step settings;
    Step results; // nullptr => the generic MediaInfo/MediaResult only
};

const std::map<std::string, TypeSteps>& type_steps()
{
    static const std::map<std::string, TypeSteps> steps{
        {"Transcode", {transcode_settings, nullptr}},
        {"Animation", {animation_settings, nullptr}},
        {"VideoEnhance", {video_enhance_settings, nullptr}},
        {"Snapshot", {snapshot_settings, snapshot_results}},
        {"SmartCover", {smart_cover_settings, smart_cover_results}},
        {"Concat", {concat_settings, nullptr}},
        {"VideoMontage", {video_montage_settings, nullptr}},
        {"Segment", {segment_settings, segment_results}},
        {"DigitalWatermark", {digital_watermark_settings, digital_watermark_results}},
        {"ExtractDigitalWatermark", {extract_watermark_settings, extract_watermark_results}},
        {"VideoTag", {video_tag_settings, video_tag_results}},
        {"StreamExtract", {stream_extract_settings, stream_extract_results}},
        {"QualityEstimate", {quality_estimate_settings, quality_estimate_results}},
        {"Watermark", {watermark_settings, nullptr}},
        {"PicProcess", {pic_process_settings, pic_process_results}},
        {"SpeechRecognition", {speech_recognition_settings, speech_recognition_results}},
        {"NoiseReduction", {noise_reduction_settings, nullptr}},
        {"VoiceSeparate", {voice_separate_settings, voice_separate_results}},
        {"Tts", {tts_settings, nullptr}},
        {"Translation", {translation_settings, translation_results}},
        {"WordsGeneralize", {words_generalize_settings, words_generalize_results}},
        {"VideoTargetRec", {video_target_rec_settings, video_target_rec_results}},
        {"SegmentVideoBody", {segment_video_body_settings, nullptr}},
        {"SplitVideoParts", {split_video_parts_settings, split_video_parts_results}},
    };
    return steps;
}

void add_input_extras(JobSpec& job, Prng& rng)
{
    if (!job.workflow_id.empty()) {
        // Workflow-triggered jobs carry the upload event's headers.
        job.cos_headers = {{"Content-Type", "video/mp4"},
                           {"x-cos-request-id", hex64(rng.next())},
                           {"EventName", "cos:ObjectCreated:Put"},
                           {"Size", std::to_string(rng.range(10000, 90000000))}};
    }
    if (rng.chance(0.1)) {
        job.input_url = "https://" + job.input_bucket + ".cos." + job.input_region +
                        ".myqcloud.com/" + job.input_object;
    }
}

} // namespace

void add_type_settings(JobSpec& job)
{
    Prng rng = type_rng(job, 0x7365747469ULL);
    add_input_extras(job, rng);
    const auto found = type_steps().find(job.tag);
    if (found != type_steps().end()) {
        found->second.settings(job, rng);
    }
}

void add_type_results(JobSpec& job)
{
    Prng rng = type_rng(job, 0x726573756c74ULL);
    job.sprite_files.clear();
    job.result_rows.clear();
    job.result_xml.clear();
    if (job.output_object.empty() && job.extra_outputs.empty()) {
        job.output_files.clear(); // nothing written, nothing listed
    }
    const auto found = type_steps().find(job.tag);
    if (found != type_steps().end() && found->second.results != nullptr) {
        found->second.results(job, rng);
    }
}

} // namespace jobsync::emulator
