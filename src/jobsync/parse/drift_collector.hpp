// Schema drift: the element paths of a job that the known schema does not
// have, collected into the page for drift_store.
#pragma once

#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <cstddef>

namespace jobsync {

// Records in page.unknown_elements the elements below detail (job's
// JobsDetail, the position-th of the page) that the schema does not know.
void collect_unknown_elements(const xml::Node* detail, JobsPage& page, const JobRecord& job,
                              std::size_t position);

} // namespace jobsync
