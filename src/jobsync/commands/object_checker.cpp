#include "jobsync/commands/object_checker.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/text_sanitizer.hpp"

namespace jobsync {
namespace {

constexpr std::size_t kMaxErrorText = 500;

const SourceConfig* source_of(const std::vector<SourceConfig>& sources, const std::string& bucket)
{
    for (const SourceConfig& source : sources) {
        if (source.bucket == bucket) {
            return &source;
        }
    }
    return nullptr;
}

void note_failure(OutputCheck& check, const std::string& prefix, const PartitionError& e)
{
    check.error = sanitize_text(prefix + e.what(), TextForm::line, kMaxErrorText);
    if (e.details().http_status != 0) {
        check.error_status = e.details().http_status;
    }
}

} // namespace

const SourceConfig* signing_source(const std::vector<SourceConfig>& sources,
                                   const std::string& object_bucket, const std::string& job_bucket)
{
    const SourceConfig* source = source_of(sources, object_bucket);
    return source != nullptr ? source : source_of(sources, job_bucket);
}

OutputCheck ObjectChecker::check(const DueObject& object)
{
    OutputCheck check{object, std::nullopt, "", "", std::nullopt};
    const SourceConfig* source = signing_source(config_.sources, object.bucket, object.job_bucket);
    if (source == nullptr) {
        check.error = "no [[source]] for bucket " + object.bucket + " nor for the writer job's " +
                      "bucket " + object.job_bucket + ": no keys to sign with";
        return check;
    }
    const ObjectAddress address{object.bucket, object.region, object.object_name};
    const std::string& endpoint = config_.audit.endpoint;
    try {
        check.head = heads_.for_source(*source).head_object(address, endpoint);
    } catch (const PartitionError& e) {
        note_failure(check, "", e);
        return check;
    }
    const ObjectHead& head = *check.head;
    const bool comparable =
        !comparable_md5(head.etag).empty() || !comparable_md5(head.meta_md5).empty();
    const bool reported = object.reported_md5 && !object.reported_md5->empty();
    if (config_.audit.filehash && head.exists() && !comparable && reported &&
        head.content_length.value_or(kFilehashMaxBytes) < kFilehashMaxBytes) {
        try {
            check.filehash_md5 = hashes_.for_source(*source).object_md5(address, endpoint);
        } catch (const PartitionError& e) {
            note_failure(check, "filehash: ", e); // the HEAD's answer stands
            check.error_status.reset();
        }
    }
    return check;
}

RequestCounters ObjectChecker::counters() const
{
    RequestCounters total = heads_.counters();
    const RequestCounters hashes = hashes_.counters();
    total.requests += hashes.requests;
    total.retries += hashes.retries;
    return total;
}

} // namespace jobsync
