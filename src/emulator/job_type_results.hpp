// Per-tag results of generated jobs (Success only): result nodes, sprite
// sheets, per-type output files and media streams.
#pragma once

#include "emulator/job_type_parts.hpp"

#include <map>
#include <string>

namespace jobsync::emulator {

// The results step of the tags that report more than the generic
// MediaInfo/MediaResult, by tag; a tag missing here has only those.
const std::map<std::string, type_parts::TypeStep>& type_result_steps();

} // namespace jobsync::emulator
