#include "jobsync/core/api_tags.hpp"

namespace jobsync {

const std::vector<std::string>& all_api_tags()
{
    static const std::vector<std::string> tags = {
        "Transcode",         "Animation",
        "VideoEnhance",      "Snapshot",
        "SmartCover",        "Concat",
        "VideoMontage",      "Segment",
        "DigitalWatermark",  "ExtractDigitalWatermark",
        "VideoTag",          "MediaInfo",
        "StreamExtract",     "QualityEstimate",
        "Watermark",         "PicProcess",
        "SpeechRecognition", "NoiseReduction",
        "VoiceSeparate",     "Tts",
        "Translation",       "WordsGeneralize",
        "VideoTargetRec",    "SegmentVideoBody",
        "SplitVideoParts",
    };
    return tags;
}

} // namespace jobsync
