// Jobs captured from the real service (or written by hand), loaded into a
// Dataset to be served back byte for byte.
#pragma once

#include "emulator/dataset.hpp"

#include <string>

namespace jobsync::emulator {

// Loads every *.xml file in dir: each a <Response> with JobsDetail elements,
// or a single <JobsDetail>. Throws std::runtime_error naming the file on bad
// XML or a job without JobId/Tag/CreationTime; then nothing was added.
void load_directory(Dataset& dataset, const std::string& dir);

} // namespace jobsync::emulator
