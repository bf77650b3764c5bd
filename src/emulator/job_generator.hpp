// Generator internals shared by generate_job and Dataset::finish_unfinished.
#pragma once

#include "emulator/job_spec.hpp"
#include "emulator/prng.hpp"

namespace jobsync::emulator {

// Adds what a successful job carries: MediaInfo (Format, streams) and the
// MediaResult output files, with values drawn from rng.
void add_media_results(JobSpec& job, Prng& rng);

// Type-specific template settings, extra outputs, Input/Url and CosHeaders
// for the job's tag; the values depend only on the job id, so generating a
// job never shifts the random draws of the fields that existed before.
void add_type_settings(JobSpec& job);

// Type-specific results of a successful job (after add_media_results):
// result nodes, sprite sheets, per-type output files and media streams.
void add_type_results(JobSpec& job);

// Turns an unfinished job into a finished Success job ending at end_time;
// the added details depend only on the job id, so this is deterministic.
void complete_job(JobSpec& job, UnixSeconds end_time);

} // namespace jobsync::emulator
