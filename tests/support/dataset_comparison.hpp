// Compares what the worker stored with what the emulator served, table by
// table and field by field, from the emulator's structured job specs (not
// from the worker's parser, so the comparison is independent of it).
#pragma once

#include "emulator/dataset.hpp"

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace testing {

// Returns the differences (empty when the database holds exactly the
// dataset's jobs, restricted to `tags` when non-empty), at most `limit` lines.
std::vector<std::string> compare_with_dataset(pqxx::connection& conn,
                                              const jobsync::emulator::Dataset& dataset,
                                              const std::string& bucket,
                                              const std::vector<std::string>& tags = {},
                                              std::size_t limit = 20);

} // namespace testing
