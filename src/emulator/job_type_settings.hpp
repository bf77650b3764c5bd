// Per-tag template settings of generated jobs (every state): the Operation
// nodes each job type echoes and the objects it will write.
#pragma once

#include "emulator/job_type_parts.hpp"

#include <map>
#include <string>

namespace jobsync::emulator {

// The settings step of every tag the emulator generates, by tag.
const std::map<std::string, type_parts::TypeStep>& type_settings_steps();

} // namespace jobsync::emulator
