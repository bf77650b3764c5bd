// What the listener tests share: a TaskFinish callback body, and waiting for
// the database to show what the listener wrote.
#pragma once

#include "support/temp_database.hpp"

#include <string>

namespace testing {

// A TaskFinish callback in CI's XML shape for one job of `bucket`.
std::string task_finish_xml(const std::string& job_id, const std::string& bucket,
                            const std::string& state = "Success");

// True once `sql` returns `expected`; false after `seconds` (a hang guard,
// not a speed bound).
bool eventually(const TempDatabase& db, const std::string& sql, const std::string& expected,
                double seconds = 60);

// Waits until the listener at `base` (http://127.0.0.1:PORT) answers
// GET /healthz with 200; throws after a minute (a hang guard: a loaded
// machine may take seconds to start a sanitized binary).
void wait_until_healthy(const std::string& base);

} // namespace testing
