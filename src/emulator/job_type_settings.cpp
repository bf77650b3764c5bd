// Shaped after the API notes (ci-api-notes.md section 2.2) and the SDKs'
// response models.
#include "emulator/job_type_settings.hpp"

#include <array>

namespace jobsync::emulator {
namespace {

using type_parts::digital_watermark_node;
using type_parts::el;
using type_parts::no_output;
using type_parts::object_stem;
using type_parts::queue_type;
using type_parts::wrap;

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

} // namespace

const std::map<std::string, type_parts::TypeStep>& type_settings_steps()
{
    static const std::map<std::string, type_parts::TypeStep> steps{
        {"Transcode", transcode_settings},
        {"Animation", animation_settings},
        {"VideoEnhance", video_enhance_settings},
        {"Snapshot", snapshot_settings},
        {"SmartCover", smart_cover_settings},
        {"Concat", concat_settings},
        {"VideoMontage", video_montage_settings},
        {"Segment", segment_settings},
        {"DigitalWatermark", digital_watermark_settings},
        {"ExtractDigitalWatermark", extract_watermark_settings},
        {"VideoTag", video_tag_settings},
        {"StreamExtract", stream_extract_settings},
        {"QualityEstimate", quality_estimate_settings},
        {"Watermark", watermark_settings},
        {"PicProcess", pic_process_settings},
        {"SpeechRecognition", speech_recognition_settings},
        {"NoiseReduction", noise_reduction_settings},
        {"VoiceSeparate", voice_separate_settings},
        {"Tts", tts_settings},
        {"Translation", translation_settings},
        {"WordsGeneralize", words_generalize_settings},
        {"VideoTargetRec", video_target_rec_settings},
        {"SegmentVideoBody", segment_video_body_settings},
        {"SplitVideoParts", split_video_parts_settings},
    };
    return steps;
}

} // namespace jobsync::emulator
