#include "jobsync/db/drift_store.hpp"

#include "jobsync/db/database.hpp"

namespace jobsync {

void record_drift(pqxx::work& txn, const std::string& bucket, const JobsPage& page)
{
    if (page.unknown_elements.empty()) {
        return; // the common case costs nothing
    }
    std::vector<std::string> tags, paths, counts, job_ids;
    for (const auto& [key, seen] : page.unknown_elements) {
        tags.push_back(key.first);
        paths.push_back(key.second);
        counts.push_back(std::to_string(seen.jobs));
        job_ids.push_back(seen.last_job_id);
    }
    // Keys are unique within a page (a map), so one upsert never hits a row twice.
    txn.exec_params(
        "INSERT INTO schema_drift AS d (tag, path, first_seen, last_seen, sightings, last_bucket, "
        "last_job_id) "
        "SELECT t, p, now(), now(), c, $5, j "
        "FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS u (t, p, c, j) "
        "ON CONFLICT (tag, path) DO UPDATE SET last_seen = now(), sightings = d.sightings + "
        "excluded.sightings, "
        "last_bucket = excluded.last_bucket, last_job_id = excluded.last_job_id",
        to_text_array_literal(tags), to_text_array_literal(paths), to_text_array_literal(counts),
        to_text_array_literal(job_ids), bucket);
}

} // namespace jobsync
