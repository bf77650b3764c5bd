// Seeded job generation: ids, states, names and timing that look like a
// real bucket's job history, byte-for-byte reproducible from the seed.
#include "emulator/job_generator.hpp"

#include "emulator/dataset.hpp"
#include "emulator/job_types.hpp"
#include "emulator/media_generator.hpp"
#include "emulator/prng.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace jobsync::emulator {
namespace {

// 128 bits; the high half is a bijection of index for a given seed, so two
// indexes never share an id.
std::string job_id_for(std::uint64_t seed, std::uint64_t index)
{
    const std::uint64_t high = mix64(index + mix64(seed ^ 0x6a6f622d6964ULL));
    const std::uint64_t low = mix64(high ^ mix64(seed + 0x3779b97f4a7c15ULL));
    return "j" + hex64(high) + hex64(low);
}

// Ids of the form the service uses ("t1" + 32 hex, "w" + 32 hex), from a
// small per-seed pool so values repeat across jobs as they do in practice.
std::string pooled_id(const char* prefix, std::uint64_t seed, std::string_view kind,
                      std::uint64_t slot)
{
    const std::uint64_t high = mix64(hash64(kind) + seed * 31 + slot);
    return prefix + hex64(high) + hex64(mix64(high)).substr(0, 32 - 16);
}

struct FailureReason {
    const char* code;
    const char* message;
};

constexpr std::array<FailureReason, 5> kFailures{{
    {"InternalError", "internal error, please retry later"},
    {"InvalidInput", "The input file is not a valid media file"},
    {"InvalidInput", "decode failed: stream #0 <h264> & audio track mismatch"},
    {"InputFileNotExist", "the input object does not exist"},
    {"InvalidParameter", "Operation.Output.Object is invalid"},
}};

constexpr std::array<const char*, 6> kDirectories{"input/",    "uploads/2024/", "media/raw/",
                                                  "用户上传/", "camera roll/",  ""};
constexpr std::array<const char*, 10> kStems{
    "demo",     "lecture 01",      "Tom & Jerry", "café-clip", "holiday_video",
    "会议录像", "trailer (final)", "a+b=c",       "clip#7",    "interview 'take 2'"};
constexpr std::array<const char*, 4> kExtensions{"mp4", "mov", "mkv", "flv"};
constexpr std::array<const char*, 5> kSpecialUserData{"{\"batch\":7,\"note\":\"a<b\"}",
                                                      "batch=7&retry=0", "<note> R&D upload",
                                                      "用户数据 & more", "x > y && y < z"};

std::string lowercase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

const char* output_extension(const std::string& tag)
{
    if (tag == "Animation") {
        return "gif";
    }
    if (tag == "Snapshot" || tag == "SmartCover") {
        return "jpg";
    }
    return "mp4";
}

void choose_objects(JobSpec& job, Prng& rng)
{
    if (rng.chance(0.05)) {
        job.input_object = "input/demo.mp4"; // a popular input, shared by many jobs
    } else {
        const std::string number = std::to_string(rng.below(100000));
        const char* directory = rng.pick(kDirectories);
        const char* stem = rng.pick(kStems);
        job.input_object =
            std::string(directory) + stem + "-" + number + "." + rng.pick(kExtensions);
    }
    const auto slash = job.input_object.rfind('/');
    const std::string file =
        slash == std::string::npos ? job.input_object : job.input_object.substr(slash + 1);
    const std::string stem = file.substr(0, file.rfind('.'));
    job.output_object =
        "output/" + lowercase(job.tag) + "/" + stem + "." + output_extension(job.tag);
}

std::string remove_watermark_xml(Prng& rng)
{
    const long dx = rng.range(0, 400);
    const long dy = rng.range(0, 400);
    const long width = rng.range(20, 200);
    const long height = rng.range(20, 200);
    return "<RemoveWatermark><Dx>" + std::to_string(dx) + "</Dx><Dy>" + std::to_string(dy) +
           "</Dy><Width>" + std::to_string(width) + "</Width><Height>" + std::to_string(height) +
           "</Height></RemoveWatermark>";
}

std::string digital_watermark_xml(Prng& rng)
{
    const std::string message = hex64(rng.next()).substr(0, 11);
    return "<DigitalWatermark><Type>Text</Type><Message>" + message +
           "</Message><Version>V1</Version><IgnoreError>false</IgnoreError></DigitalWatermark>";
}

void choose_operation(JobSpec& job, const GeneratorOptions& options, Prng& rng)
{
    job.template_id = pooled_id("t1", options.seed, job.tag, rng.below(3));
    // Distinct slots from a pool of six: one id usually, sometimes two or three.
    const std::uint64_t watermarks =
        rng.chance(0.7) ? 1 : static_cast<std::uint64_t>(rng.range(2, 3));
    const std::uint64_t first_slot = rng.below(6);
    for (std::uint64_t i = 0; i < watermarks; ++i) {
        job.watermark_template_ids.push_back(
            pooled_id("t1", options.seed, "watermark", (first_slot + i) % 6));
    }
    if (rng.chance(0.2)) {
        job.extra_operation_xml += remove_watermark_xml(rng);
    }
    if (rng.chance(0.15)) {
        job.extra_operation_xml += digital_watermark_xml(rng);
        job.sub_tag = "DigitalWatermark";
    }
    if (rng.chance(0.4)) {
        job.user_data = rng.chance(0.6) ? std::string("This is my data.")
                                        : std::string(rng.pick(kSpecialUserData));
    }
    job.job_level = rng.chance(0.85) ? 0 : static_cast<int>(rng.range(1, 2));
    if (rng.chance(0.12)) {
        job.workflow_id = workflow_id_for_slot(options.seed, rng.below(kWorkflowsWithJobs));
    }
}

// Only recent jobs are still unfinished, as on a real account: older ones
// have long since succeeded or failed.
void choose_state(JobSpec& job, Prng& rng, bool recent)
{
    double roll = rng.unit();
    if (recent) {
        roll = roll < 0.6 ? roll * (0.85 / 0.6) : 0.85 + (roll - 0.6) * (0.15 / 0.4);
    } else if (roll >= 0.93) {
        roll -= 0.93; // a Success instead of an unfinished job
    }
    job.code = "Success";
    if (roll < 0.85) {
        job.state = "Success";
        job.progress = 100;
        job.start_time = job.creation_time + rng.range(0, 4);
        job.end_time = *job.start_time + rng.range(5, 900);
        add_media_results(job, rng);
    } else if (roll < 0.93) {
        const FailureReason& reason = rng.pick(kFailures);
        job.state = "Failed";
        job.code = reason.code;
        job.message = reason.message;
        job.start_time = job.creation_time + rng.range(0, 4);
        job.end_time = *job.start_time + rng.range(1, 120);
    } else if (roll < 0.97) {
        job.state = "Running";
        job.progress = static_cast<int>(rng.range(1, 99));
        job.start_time = job.creation_time + rng.range(1, 3);
    } else {
        job.state = "Submitted";
    }
}

// A draw of its own per job id, so pausing some old jobs changes nothing else.
double pause_draw(const std::string& job_id)
{
    return static_cast<double>(hash64(job_id + "/pause") >> 11) * (1.0 / 9007199254740992.0);
}

void pause_job(JobSpec& job)
{
    job.state = "Pause";
    job.code = "Success";
    job.progress = 0;
    job.start_time = job.creation_time + 1;
}

} // namespace

std::string workflow_id_for_slot(std::uint64_t seed, std::uint64_t slot)
{
    return pooled_id("w", seed, "workflow", slot);
}

namespace {

JobSpec make_job(const GeneratorOptions& options, std::uint64_t index, const std::string& tag,
                 UnixSeconds creation_time, bool recent)
{
    Prng rng(mix64(mix64(options.seed) + index));
    JobSpec job;
    job.job_id = job_id_for(options.seed, index);
    job.tag = tag;
    if (!options.queues.empty()) {
        // Rotates against the tag rotation so every tag meets every queue.
        const std::uint64_t tags = std::max<std::size_t>(options.tags.size(), 1);
        job.queue_id = options.queues[(index + index / tags) % options.queues.size()];
        job.queue_type = "Transcoding";
    }
    job.creation_time = creation_time;
    job.input_bucket = options.bucket;
    job.input_region = options.region;
    job.output_bucket = options.bucket;
    job.output_region = options.region;
    choose_objects(job, rng);
    choose_operation(job, options, rng);
    add_type_settings(job); // its own draws: the fields above stay as they were
    if (!recent && pause_draw(job.job_id) < options.old_unfinished_rate) {
        pause_job(job);
    } else {
        choose_state(job, rng, recent);
    }
    if (job.state == "Success") {
        add_type_results(job);
    }
    // Older responses leave unset times empty rather than "-".
    job.blank_times = !job.end_time && (hash64(job.job_id) & 1) != 0;
    return job;
}

} // namespace

JobSpec generate_job(const GeneratorOptions& options, std::uint64_t index, const std::string& tag,
                     UnixSeconds creation_time)
{
    return make_job(options, index, tag, creation_time, true);
}

std::vector<JobSpec> generate_jobs(const GeneratorOptions& options)
{
    static const std::vector<std::string> kDefaultTags{"Transcode"};
    const std::vector<std::string>& tags = options.tags.empty() ? kDefaultTags : options.tags;
    Prng rng(mix64(options.seed ^ 0x74696d696e67ULL));
    // One gap in ten is zero; the others average spacing/0.9 so the overall
    // mean is spacing_seconds.
    const double nonzero_mean = static_cast<double>(std::max(options.spacing_seconds, 0L)) / 0.9;
    const long max_gap = std::max(1L, std::lround(2.0 * nonzero_mean - 1.0));

    std::vector<JobSpec> jobs;
    jobs.reserve(options.count);
    UnixSeconds creation_time = options.first_creation_time;
    for (std::size_t i = 0; i < options.count; ++i) {
        if (i > 0 && options.spacing_seconds > 0 && !rng.chance(0.1)) {
            creation_time += rng.range(1, max_gap);
        }
        const std::string& tag = rng.chance(0.85) ? tags[i % tags.size()] : rng.pick(tags);
        const bool recent = i >= options.count - options.count * 3 / 100;
        jobs.push_back(make_job(options, i, tag, creation_time, recent));
    }
    return jobs;
}

} // namespace jobsync::emulator
