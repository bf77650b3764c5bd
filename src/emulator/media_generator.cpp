// MediaInfo and MediaResult values shaped like the service's probe output.
#include "emulator/media_generator.hpp"

#include "emulator/job_types.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace jobsync::emulator {
namespace {

std::string fixed6(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6f", value);
    return buffer;
}

struct Container {
    const char* long_name;
    const char* name;
    bool mp4_tags; // ISO BMFF files carry codec tags; Matroska/FLV report zero
};

Container container_for(std::string_view object)
{
    const auto dot = object.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? "" : object.substr(dot + 1);
    if (ext == "mkv") {
        return {"Matroska / WebM", "matroska,webm", false};
    }
    if (ext == "flv") {
        return {"FLV (Flash Video)", "flv", false};
    }
    return {"QuickTime / MOV", "mov,mp4,m4a,3gp,3g2,mj2", true};
}

struct Resolution {
    int width, height;
};

constexpr std::array<Resolution, 6> kResolutions{
    {{544, 960}, {1280, 720}, {1920, 1080}, {720, 1280}, {3840, 2160}, {640, 360}}};

StreamSpec make_audio(Prng& rng, int index, double duration, double bitrate_kbps,
                      const Container& container, const char* language)
{
    static constexpr std::array<std::pair<int, const char*>, 3> kLayouts{
        {{2, "stereo"}, {1, "mono"}, {6, "5.1"}}};
    const auto& layout = rng.chance(0.8) ? kLayouts[0] : rng.pick(kLayouts);
    const int sample_rate = rng.chance(0.6) ? 44100 : 48000;
    const std::string base = "1/" + std::to_string(sample_rate);
    return {"audio",
            {{"Bitrate", fixed6(bitrate_kbps)},
             {"Channel", std::to_string(layout.first)},
             {"ChannelLayout", layout.second},
             {"CodecLongName", "AAC (Advanced Audio Coding)"},
             {"CodecName", "aac"},
             {"CodecTag", container.mp4_tags ? "0x6134706d" : "0x0000"},
             {"CodecTagString", container.mp4_tags ? "mp4a" : "[0][0][0][0]"},
             {"CodecTimeBase", base},
             {"Duration", fixed6(duration - 0.000689)},
             {"Index", std::to_string(index)},
             {"Language", language},
             {"SampleFmt", "fltp"},
             {"SampleRate", std::to_string(sample_rate)},
             {"StartTime", "0.000000"},
             {"Timebase", base}}};
}

StreamSpec make_video(Prng& rng, double duration, double bitrate_kbps, const Container& container)
{
    static constexpr std::array<int, 4> kFps{25, 30, 24, 60};
    const Resolution res = rng.pick(kResolutions);
    const int fps = rng.pick(kFps);
    const bool hevc = rng.chance(0.2);
    const std::string timebase = "1/" + std::to_string(fps * 512);
    const double video_duration = duration - static_cast<double>(rng.range(0, 700)) / 1000.0;
    const long frames = static_cast<long>(video_duration * fps);
    const char* tag = hevc ? "0x31637668" : "0x31637661";
    const char* tag_string = hevc ? "hvc1" : "avc1";
    return {"video",
            {{"AvgFps", fixed6(fps)},
             {"Bitrate", fixed6(bitrate_kbps)},
             {"CodecLongName", hevc ? "H.265 / HEVC (High Efficiency Video Coding)"
                                    : "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10"},
             {"CodecName", hevc ? "hevc" : "h264"},
             {"CodecTag", container.mp4_tags ? tag : "0x0000"},
             {"CodecTagString", container.mp4_tags ? tag_string : "[0][0][0][0]"},
             {"CodecTimeBase", timebase},
             {"ColorPrimaries", res.height >= 720 ? "bt709" : "bt470bg"},
             {"ColorRange", "tv"},
             {"ColorTransfer", res.height >= 720 ? "bt709" : "smpte170m"},
             {"Duration", fixed6(video_duration)},
             {"Fps", fixed6(fps)},
             {"HasBFrame", hevc || rng.chance(0.5) ? "2" : "0"},
             {"Height", std::to_string(res.height)},
             {"Index", "0"},
             {"Language", "und"},
             {"Level", hevc ? "120" : std::to_string(rng.pick(std::array<int, 3>{30, 31, 40}))},
             {"NumFrames", std::to_string(frames)},
             {"PixFormat", "yuv420p"},
             {"Profile", hevc ? "Main" : (rng.chance(0.7) ? "High" : "Main")},
             {"RefFrames", std::to_string(rng.range(1, 4))},
             {"Rotation", "0.000000"},
             {"StartTime", "0.000000"},
             {"Timebase", timebase},
             {"Width", std::to_string(res.width)}}};
}

std::string md5_like(Prng& rng)
{
    const std::uint64_t high = rng.next(); // two statements: operand order is unspecified
    const std::uint64_t low = rng.next();
    return hex64(high) + hex64(low);
}

// "output/a.mp4" -> "output/a-cover.jpg": a second file the job wrote.
std::string sibling_object(const std::string& object, const char* suffix)
{
    const auto dot = object.rfind('.');
    const auto slash = object.rfind('/');
    const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
    return (has_ext ? object.substr(0, dot) : object) + suffix;
}

} // namespace

void add_media_results(JobSpec& job, Prng& rng)
{
    const Container container = container_for(job.input_object);
    const double duration = static_cast<double>(rng.range(2000, 1800000)) / 1000.0;
    const double video_kbps = static_cast<double>(rng.range(300000, 8000000)) / 1000.0;
    const bool second_audio = rng.chance(0.15);
    const bool subtitle = rng.chance(0.2);

    job.streams.clear();
    double total_kbps = video_kbps;
    const double audio_kbps = static_cast<double>(rng.range(64000, 320000)) / 1000.0;
    job.streams.push_back(make_audio(rng, 1, duration, audio_kbps, container, "und"));
    total_kbps += audio_kbps;
    if (second_audio) {
        const double extra_kbps = static_cast<double>(rng.range(64000, 192000)) / 1000.0;
        job.streams.push_back(make_audio(rng, 2, duration, extra_kbps, container, "eng"));
        total_kbps += extra_kbps;
    }
    if (subtitle) {
        job.streams.push_back({"subtitle", {}});
    }
    job.streams.push_back(make_video(rng, duration, video_kbps, container));

    const long size = static_cast<long>(total_kbps * 1000.0 / 8.0 * duration);
    job.format_fields = {{"Bitrate", fixed6(total_kbps)},
                         {"Duration", fixed6(duration)},
                         {"FormatLongName", container.long_name},
                         {"FormatName", container.name},
                         {"NumProgram", "0"},
                         {"NumStream", std::to_string(second_audio ? 3 : 2)},
                         {"Size", std::to_string(size)},
                         {"StartTime", "0.000000"}};

    job.output_files.clear();
    job.output_files.push_back(
        {job.output_bucket, job.output_region, "", job.output_object, md5_like(rng)});
    if (rng.chance(0.15)) {
        job.output_files.push_back({job.output_bucket, job.output_region, "",
                                    sibling_object(job.output_object, "-cover.jpg"),
                                    md5_like(rng)});
    }
}

void complete_job(JobSpec& job, UnixSeconds end_time)
{
    Prng rng(hash64(job.job_id) ^ 0x66696e6973686564ULL);
    job.state = "Success";
    job.progress = 100;
    job.code = "Success";
    job.message.clear();
    if (!job.start_time) {
        job.start_time = std::max(job.creation_time, std::min(end_time, job.creation_time + 1));
    }
    job.end_time = std::max(end_time, *job.start_time);
    add_media_results(job, rng);
    add_type_results(job);
}

} // namespace jobsync::emulator
