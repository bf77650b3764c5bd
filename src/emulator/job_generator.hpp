// Generated jobs: deterministic for a seed, shaped like the service's.
#pragma once

#include "emulator/job_spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace jobsync::emulator {

struct GeneratorOptions {
    std::uint64_t seed = 42;
    std::size_t count = 1000;
    std::vector<std::string> tags{"Transcode", "Snapshot", "Animation", "MediaInfo"};
    std::vector<std::string> queues{"p2242ab62c7c94486915508540933a2c6",
                                    "p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e"};
    std::string bucket = "examplebucket-1250000000";
    std::string region = "ap-guangzhou";
    UnixSeconds first_creation_time = 1704067200; // 2024-01-01T00:00:00Z
    long spacing_seconds = 30; // mean gap between creation times; some jobs share a second
    // Share of older jobs left in Pause, as real queues keep a few paused jobs
    // for days (drawn from the job id, so other fields keep their values).
    double old_unfinished_rate = 0;
    // Workflows GET /workflow lists (the last quarter paused); only the first
    // kWorkflowsWithJobs have runs. At least kWorkflowsWithJobs.
    std::size_t workflows = 12;
};

// Workflow-triggered jobs (12%) name one of the bucket's first
// kWorkflowsWithJobs workflows: workflow_id_for_slot(seed, 0..2).
inline constexpr std::uint64_t kWorkflowsWithJobs = 3;
std::string workflow_id_for_slot(std::uint64_t seed, std::uint64_t slot);

// Deterministic: the same options give the same jobs, byte for byte. Only the
// newest 3% can be unfinished (Submitted/Running), as on a real account.
// Job ids are unique ("j" + 32 hex digits derived from seed and index).
std::vector<JobSpec> generate_jobs(const GeneratorOptions& options);

// One generated job of `tag` created at `creation_time` (for adding jobs later).
JobSpec generate_job(const GeneratorOptions& options, std::uint64_t index, const std::string& tag,
                     UnixSeconds creation_time);

} // namespace jobsync::emulator
