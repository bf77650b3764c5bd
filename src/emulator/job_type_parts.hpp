// The pieces every per-tag step of job_type_settings / job_type_results is
// built from: XML elements, object names and the job's output file list.
#pragma once

#include "emulator/job_spec.hpp"
#include "emulator/prng.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace jobsync::emulator::type_parts {

// One tag's contribution to a job, drawing from the job's type-specific PRNG.
using TypeStep = void (*)(JobSpec&, Prng&);

std::string decimal(double value, int digits);

// "<name>inner</name>" where inner is already XML.
std::string wrap(std::string_view name, const std::string& inner);

// "<name>text</name>" with text escaped.
std::string el(std::string_view name, std::string_view text);

// "output/x/a.mp4" -> "output/x/a" (the stem the job's other objects share).
std::string object_stem(const std::string& object);

std::string md5_for(Prng& rng);

void set_files(JobSpec& job, const std::vector<std::string>& objects, Prng& rng);

// Analysis jobs write no object: no Output, no MediaResult.
void no_output(JobSpec& job);

void no_media(JobSpec& job);

void queue_type(JobSpec& job, const char* type);

// The DigitalWatermark node a job echoes; a finished one reports its State.
std::string digital_watermark_node(const JobSpec& job, bool with_state);

} // namespace jobsync::emulator::type_parts
