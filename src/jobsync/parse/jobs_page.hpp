// Parsing one GET /jobs response body into job records.
#pragma once

#include "jobsync/core/errors.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/parse/page_warning.hpp"

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace jobsync {

// An element path the parser does not know, as seen on one page.
struct DriftSighting {
    long jobs = 0;                 // jobs of the page that carried it
    std::string last_job_id;       // the last of them, for a maintainer to look at
    std::size_t last_position = 0; // internal: de-duplicates within a job
};

// (tag, path relative to JobsDetail, e.g. "Operation/Transcode/NewThing").
using DriftKey = std::pair<std::string, std::string>;

// One parsed page. Owns the response body; every string_view in jobs points
// into body (detail_xml, and field values: RapidXML parses the body without
// modifying it) or, for the rare value with an entity reference, into
// decoded. Movable: a moved std::string keeps its heap buffer (a body holding
// a job is far longer than the inline one) and a moved deque its elements.
struct JobsPage {
    std::string body;                // the response body as received, parsed as is
    std::deque<std::string> decoded; // field values whose entities were decoded
    std::vector<JobRecord> jobs;
    std::vector<RejectedJob> rejected; // jobs that cannot be stored, for a quarantine
    std::string next_token;            // "" when absent or empty
    std::vector<PageWarning> warnings; // values the columns cannot take, and what became of them
    std::map<DriftKey, DriftSighting> unknown_elements; // schema drift, for drift_store

    // Takes the body out, to receive another response into its memory (see
    // BodyPool), and clears the jobs (and rejected ones) whose views pointed into it.
    std::string release_body();
};

// Parses a <Response> with JobsDetail elements. Empty <JobsDetail/> elements
// (and ones with no JobId, QueueId or Code at all) are skipped, as the
// service sends one on an empty result. Unknown elements never fail a page:
// they stay in detail_xml and their paths are collected in unknown_elements.
// Throws RetryableError when the body is not well-formed XML (a truncated
// transfer looks like that), PartitionError when it is well-formed but wrong
// (root is not <Response>) or over the limits of xml_limits.hpp. A job whose
// JobId, Tag or CreationTime is missing or cannot be stored (too long, not
// UTF-8, not a time in the years 1 to 9999) goes to rejected, with a warning.
// An optional field its column cannot take (see value_problem), or with a
// bad character reference, becomes nullopt and adds a warning. A detail the
// xml column would refuse is repaired (xml_chars.hpp) with a warning, and
// marked detail_repaired. The page keeps body (pass it with std::move to
// avoid a copy).
JobsPage parse_jobs_page(std::string body);

} // namespace jobsync
