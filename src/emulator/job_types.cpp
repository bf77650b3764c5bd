// Per-tag Operation content: the type-specific PRNG, the input extras every
// tag shares, then the tag's own steps (job_type_settings, job_type_results).
#include "emulator/job_types.hpp"

#include "emulator/job_type_results.hpp"
#include "emulator/job_type_settings.hpp"
#include "emulator/prng.hpp"

namespace jobsync::emulator {
namespace {

// Seeds the type-specific draws from the job id alone (see add_type_settings).
Prng type_rng(const JobSpec& job, std::uint64_t salt)
{
    return Prng(hash64(job.job_id) ^ salt);
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
    const auto found = type_settings_steps().find(job.tag);
    if (found != type_settings_steps().end()) {
        found->second(job, rng);
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
    const auto found = type_result_steps().find(job.tag);
    if (found != type_result_steps().end()) {
        found->second(job, rng);
    }
}

} // namespace jobsync::emulator
