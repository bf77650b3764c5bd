// MediaInfo and MediaResult of generated jobs, shaped like the service's
// probe output; and finishing an unfinished job.
#pragma once

#include "emulator/job_spec.hpp"
#include "emulator/prng.hpp"

namespace jobsync::emulator {

// Adds what a successful job carries: MediaInfo (Format, streams) and the
// MediaResult output files, with values drawn from rng.
void add_media_results(JobSpec& job, Prng& rng);

// Turns an unfinished job into a finished Success job ending at end_time;
// the added details depend only on the job id, so this is deterministic.
void complete_job(JobSpec& job, UnixSeconds end_time);

} // namespace jobsync::emulator
