#include "jobsync/parse/known_elements.hpp"

#include "jobsync/parse/job_record.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace jobsync {
namespace {

// Known children per element path, space-separated. Sources: ci-api-notes.md
// section 2.2 and the SDKs' response models. Deeper template settings are
// opaque: their first level is checked, their insides are not.
constexpr std::pair<std::string_view, std::string_view> kSchema[] = {
    {"", "Code Message JobId Tag SubTag State Progress CreationTime StartTime EndTime QueueId "
         "QueueType Input Operation Workflow Name Type"},
    {"Input", "Object BucketId Region Url Lang Type BasicType Vod CosHeaders"},
    {"Input/Vod", "FileId SubAppId"},
    {"Input/CosHeaders", "Key Value"},
    {"Workflow", "Name RunId WorkflowId WorkflowName"},
    {"Operation",
     "Tag TemplateId TemplateName WatermarkTemplateId Watermark TranscodeTemplateId UserData "
     "JobLevel FreeTranscode CustomId SnapshotPrefix Output MediaResult MediaInfo Transcode "
     "ConcatTemplate Snapshot Animation Segment VideoMontage VoiceSeparate VideoProcess SDRtoHDR "
     "SuperResolution VideoEnhance SmartCover FillConcat VideoSynthesis SplitVideoParts "
     "SplitVideoInfoResult SegmentVideoBody DigitalWatermark ExtractDigitalWatermark "
     "RemoveWatermark VideoTag VideoTagResult QualityEstimate QualityEstimateConfig "
     "NoiseReduction Subtitles VideoTargetRec VideoTargetRecResult DnaConfig DnaResult "
     "VocalScore VocalScoreResult SoundHoundResult TtsTpl TtsConfig Translation WordsGeneralize "
     "WordsGeneralizeResult SpeechRecognition SpeechRecognitionResult PicProcess "
     "PicProcessResult PosterProduction ImageInspect ImageInspectResult ImageOCR Detection"},
    {"Operation/Output", "Region Bucket Object SpriteObject AuObject BassObject DrumObject "
                         "StreamExtract Force"},
    {"Operation/Output/StreamExtract", "Index Object"},
    {"Operation/MediaResult", "OutputFile"},
    {"Operation/MediaResult/OutputFile",
     "Bucket Region ObjectPrefix ObjectName ObjectUrl Md5Info SpriteOutputFile"},
    {"Operation/MediaResult/OutputFile/Md5Info", "Md5 ObjectName"},
    {"Operation/MediaResult/OutputFile/SpriteOutputFile",
     "Bucket Region ObjectPrefix ObjectName ObjectUrl Md5Info"},
    {"Operation/MediaResult/OutputFile/SpriteOutputFile/Md5Info", "Md5 ObjectName"},
    {"Operation/MediaInfo", "Format Stream"},
    {"Operation/MediaInfo/Stream", "Video Audio Subtitle"},
    {"Operation/Transcode",
     "Container Video TimeInterval Audio TransConfig AudioMix AudioMixArray Subtitle"},
    {"Operation/Animation", "Container Video TimeInterval"},
    {"Operation/Snapshot", "Mode Start TimeInterval Count Width Height CIParam IsCheckCount "
                           "IsCheckBlack BlackLevel PixelBlackThreshold SnapshotOutMode "
                           "SpriteSnapshotConfig"},
    {"Operation/SmartCover", "Format Width Height Count DeleteDuplicates"},
    {"Operation/ConcatTemplate", "ConcatFragment Audio Video Container Index AudioMix "
                                 "AudioMixArray DirectConcat SceneChangeInfo"},
    {"Operation/VideoMontage", "Container Video Audio AudioMix AudioMixArray Duration Scene"},
    {"Operation/Segment", "Format Duration TranscodeTemplateId StartTime EndTime HlsEncrypt "
                          "DashEncrypt"},
    {"Operation/DigitalWatermark", "Type Message Version IgnoreError State"},
    {"Operation/ExtractDigitalWatermark", "Type Message Version"},
    {"Operation/RemoveWatermark", "Dx Dy Width Height"},
    {"Operation/VideoTag", "Scenario"},
    {"Operation/VideoTagResult", "StreamData"},
    {"Operation/QualityEstimate", "Score VqaPlusResult"},
    {"Operation/QualityEstimateConfig", "Rotate Mode"},
    {"Operation/Watermark", "Type Pos LocMode Dx Dy StartTime EndTime Image Text SlideConfig"},
    {"Operation/PicProcess", "IsPicInfo ProcessRule"},
    {"Operation/PicProcessResult", "UploadResult"},
    {"Operation/SpeechRecognition",
     "EngineModelType ChannelNum ResTextFormat FilterDirty FilterModal ConvertNumMode "
     "SpeakerDiarization SpeakerNumber FilterPunc OutputFileType FlashAsr Format FirstChannelOnly "
     "WordInfo SentenceMaxLength"},
    {"Operation/SpeechRecognitionResult", "AudioTime Result FlashResult ResultDetail"},
    {"Operation/NoiseReduction", "Format Samplerate"},
    {"Operation/VoiceSeparate", "AudioMode AudioConfig"},
    {"Operation/TtsTpl", "Mode Codec VoiceType Volume Speed Emotion"},
    {"Operation/TtsConfig", "InputType Input"},
    {"Operation/Translation", "Lang Type"},
    {"Operation/WordsGeneralize", "NerMethod SegMethod"},
    {"Operation/WordsGeneralizeResult", "WordsGeneralizeLable WordsGeneralizeToken"},
    {"Operation/VideoTargetRec", "Body Pet Car"},
    {"Operation/VideoTargetRecResult", "BodyRecognition PetRecognition CarRecognition"},
    {"Operation/SegmentVideoBody",
     "Mode SegmentType BackgroundBlue BackgroundGreen BackgroundRed BackgroundLogoUrl "
     "BinaryThreshold RemoveRed RemoveGreen RemoveBlue"},
    {"Operation/SplitVideoParts", "Mode"},
    {"Operation/SplitVideoInfoResult", "ShotNum ShotInfo"},
    {"Operation/VideoEnhance", "Transcode SuperResolution SDRtoHDR ColorEnhance MsSharpen "
                               "FrameEnhance"},
};

using Names = std::vector<std::string_view>;

template <std::size_t N> Names field_names(const std::array<FieldSpec, N>& specs)
{
    Names names;
    for (const FieldSpec& spec : specs) {
        names.push_back(spec.element);
    }
    return names;
}

Names split_words(std::string_view words)
{
    Names names;
    while (!words.empty()) {
        const auto space = words.find(' ');
        const std::string_view word = words.substr(0, space);
        if (!word.empty()) {
            names.push_back(word);
        }
        words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
    }
    return names;
}

// Known children per element path ("" is JobsDetail).
std::unordered_map<std::string, Names> children_by_path()
{
    std::unordered_map<std::string, Names> map;
    for (const auto& [path, children] : kSchema) {
        map.emplace(path, split_words(children));
    }
    // The columns' own FieldSpec tables say which stream fields are known.
    map.emplace("Operation/MediaInfo/Format", field_names(kMediaFormatFields));
    for (const std::string_view path :
         {"Operation/MediaInfo/Stream/Video", "Operation/MediaInfo/Stream/Audio",
          "Operation/MediaInfo/Stream/Subtitle"}) {
        map.emplace(path, field_names(kMediaStreamFields));
    }
    return map;
}

// Adds the known children of the element at path to element, recursively.
void build(KnownElement& element, const std::string& path,
           const std::unordered_map<std::string, Names>& schema)
{
    const auto found = schema.find(path);
    if (found == schema.end()) {
        return; // a leaf, or opaque template settings
    }
    for (const std::string_view name : found->second) {
        build(element.add_child(name),
              path.empty() ? std::string(name) : path + "/" + std::string(name), schema);
    }
}

} // namespace

const KnownElement* KnownElement::child(std::string_view name) const
{
    const std::unique_ptr<KnownElement>* found = children_.find(name);
    return found == nullptr ? nullptr : found->get();
}

KnownElement& KnownElement::add_child(std::string_view name)
{
    std::unique_ptr<KnownElement>& child = children_.insert(name);
    if (!child) {
        child = std::make_unique<KnownElement>();
    }
    has_children_ = true;
    return *child; // stays put when children_ grows: the map holds the pointer
}

const KnownElement& known_jobs_detail()
{
    static const KnownElement root = [] {
        KnownElement detail;
        build(detail, "", children_by_path());
        return detail;
    }();
    return root;
}

} // namespace jobsync
