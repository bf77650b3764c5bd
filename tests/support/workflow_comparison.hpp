// Compares the stored workflow runs, their tasks and the batch jobs with what
// the emulator serves, derived from its structured specs
// (derive_workflow_data), independently of the worker's parsers. One text
// line per row on each side; the differences are the lines only one side has.
#pragma once

#include "emulator/workflow_generator.hpp"
#include "support/temp_database.hpp"

#include <set>
#include <string>
#include <vector>

namespace testing {

// The rows of `sql` (one text column) as a set.
std::set<std::string> row_set(const TempDatabase& db, const std::string& sql);

// Lines only in `stored` ("extra: ...") or only in `expected` ("missing: ..."), at most `limit`.
std::vector<std::string> set_differences(const std::set<std::string>& stored,
                                         const std::set<std::string>& expected,
                                         std::size_t limit = 20);

// Each run: id, workflow, name, object, state, creation second; each task:
// run, ordinal, node, type, job, state, code, message and its three times;
// each batch job: id, bucket, type, name, state, code, message and its times.
std::vector<std::string> compare_workflow_runs(const TempDatabase& db,
                                               const jobsync::emulator::WorkflowData& data);
std::vector<std::string> compare_run_tasks(const TempDatabase& db,
                                           const jobsync::emulator::WorkflowData& data);
std::vector<std::string> compare_batch_jobs(const TempDatabase& db,
                                            const jobsync::emulator::WorkflowData& data,
                                            const std::string& bucket);

// All three, each difference prefixed with its table.
std::vector<std::string> compare_with_workflow_data(const TempDatabase& db,
                                                    const jobsync::emulator::WorkflowData& data,
                                                    const std::string& bucket);

} // namespace testing
