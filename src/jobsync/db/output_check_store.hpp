// output_checks (migrations/0013): which output objects an audit must HEAD,
// and recording what COS said, with the verdict the database gives it.
#pragma once

#include "jobsync/api/object_head.hpp"
#include "jobsync/core/api_time.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

// An object to check, as its newest Success writer describes it.
struct DueObject {
    std::string bucket, object_name, region;
    std::string writer_job_id;
    std::string job_bucket; // the writer job's bucket: whose keys sign if no source has `bucket`
    std::optional<std::string> reported_md5;
};

struct AuditSelection {
    std::optional<UnixSeconds> since, until; // the newest writer's creation time
    bool recheck = false;                    // every object, however recently checked
    long recheck_after_seconds = 30L * 86400;
};

// The outcome of checking one object: a HEAD answer (200/403/404), or an
// error (http_status: the last status when the service answered).
struct OutputCheck {
    DueObject object;
    std::optional<ObjectHead> head;
    std::string filehash_md5;
    std::string error; // "" => none; never holds a secret
    std::optional<long> error_status;
};

namespace output_check_store {

// Collects the objects due for a check into this session's temporary table
// audit_due, deduplicated (one row per bucket and object), and returns how many:
// never checked, checked before their newest writer, last check failed, or
// checked longer than recheck_after ago (or any, with recheck). Objects without
// a bucket, region or name cannot be addressed and are left out.
long collect_due(pqxx::connection& conn, const AuditSelection& selection);

// The next due objects after (bucket, object_name), in key order.
std::vector<DueObject> next_due(pqxx::connection& conn, const DueObject* after, long limit);

// Upserts the checks in one transaction; returns each one's verdict
// (output_check_verdict: match, mismatch, unverifiable, missing, forbidden,
// no_md5_reported, error), in order.
std::vector<std::string> record(pqxx::connection& conn, const std::vector<OutputCheck>& checks);

} // namespace output_check_store
} // namespace jobsync
