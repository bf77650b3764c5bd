// Per-tag Operation content of generated jobs: template settings, extra
// outputs and results, shaped after the API notes and the SDKs' models.
#pragma once

#include "emulator/job_spec.hpp"

namespace jobsync::emulator {

// Type-specific template settings, extra outputs, Input/Url and CosHeaders
// for the job's tag; the values depend only on the job id, so generating a
// job never shifts the random draws of the fields that existed before.
void add_type_settings(JobSpec& job);

// Type-specific results of a successful job (after add_media_results):
// result nodes, sprite sheets, per-type output files and media streams.
void add_type_results(JobSpec& job);

} // namespace jobsync::emulator
