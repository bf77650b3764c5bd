// Schema drift: the element paths the parser did not know, per tag, with when
// they were first and last seen and how often jobs carried them.
#pragma once

#include "jobsync/parse/jobs_page.hpp"

#include <pqxx/pqxx>

namespace jobsync {

// Upserts the page's unknown element paths into schema_drift, in the page's
// transaction, with one statement (nothing when the page had none).
void record_drift(pqxx::work& txn, const std::string& bucket, const JobsPage& page);

} // namespace jobsync
