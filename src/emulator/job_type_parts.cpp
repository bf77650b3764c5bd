#include "emulator/job_type_parts.hpp"

#include "emulator/xml_escape.hpp"

#include <cstdio>

namespace jobsync::emulator::type_parts {

std::string decimal(double value, int digits)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

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

std::string digital_watermark_node(const JobSpec& job, bool with_state)
{
    const std::string message = "wm-" + job.job_id.substr(1, 10);
    return wrap("DigitalWatermark", el("Type", "Text") + el("Message", message) +
                                        el("Version", "V1") + el("IgnoreError", "false") +
                                        (with_state ? el("State", "Success") : ""));
}

} // namespace jobsync::emulator::type_parts
