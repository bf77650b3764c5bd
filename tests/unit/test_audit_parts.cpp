// The audit's pieces that need no database: what a HEAD answer says, which
// values compare with an MD5, whose keys sign an object, the progress line and
// the metrics text.
#include "jobsync/api/object_head.hpp"
#include "jobsync/commands/audit_metrics.hpp"
#include "jobsync/commands/audit_progress.hpp"
#include "jobsync/commands/object_checker.hpp"
#include "jobsync/core/errors.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("object head: status, ETag without quotes, CRC64, meta MD5, Last-Modified")
{
    HttpResponse response;
    response.status = 200;
    response.headers = {{"content-length", "1048576"},
                        {"etag", "\"0123456789abcdef0123456789ABCDEF\""},
                        {"x-cos-hash-crc64ecma", "12345678901234567890"},
                        {"x-cos-meta-md5", "fedcba9876543210fedcba9876543210"},
                        {"last-modified", "Mon, 01 Jan 2024 00:00:00 GMT"},
                        {"x-cos-request-id", "NjU5MmE2YjZfYjQ"}};
    const ObjectHead head = read_object_head(response);
    CHECK(head.exists());
    CHECK(head.content_length == 1048576);
    CHECK(head.etag == "0123456789abcdef0123456789ABCDEF");
    CHECK(head.crc64 == "12345678901234567890");
    CHECK(head.meta_md5 == "fedcba9876543210fedcba9876543210");
    CHECK(head.last_modified == 1704067200);
    CHECK(head.request_id == "NjU5MmE2YjZfYjQ");

    HttpResponse missing;
    missing.status = 404;
    CHECK_FALSE(read_object_head(missing).exists());
    CHECK(read_object_head(missing).http_status == 404);
    CHECK(cos_host("media-1250000000", "ap-beijing") ==
          "media-1250000000.cos.ap-beijing.myqcloud.com");
}

TEST_CASE("object head: only 32 hex digits compare with an MD5")
{
    CHECK(comparable_md5("0123456789ABCDEF0123456789abcdef") == "0123456789abcdef0123456789abcdef");
    CHECK(comparable_md5("0123456789abcdef0123456789abcdef-3").empty());       // multipart
    CHECK(comparable_md5("0123456789abcdef0123456789abcdef01234567").empty()); // SHA-1
    CHECK(comparable_md5("0123456789abcdef0123456789abcdeg").empty());
    CHECK(comparable_md5("").empty());
}

TEST_CASE("object head: the filehash answer's MD5")
{
    CHECK(parse_filehash_md5("<Response><FileHashCodeResult><MD5>0123456789ABCDEF0123456789"
                             "abcdef</MD5><FileSize>10</FileSize></FileHashCodeResult>"
                             "</Response>") == "0123456789abcdef0123456789abcdef");
    CHECK_THROWS_AS(parse_filehash_md5("<Response><FileHashCodeResult/></Response>"),
                    PartitionError);
    CHECK_THROWS_AS(parse_filehash_md5("<Response><FileHash"), RetryableError);
}

TEST_CASE("audit: an object is signed by its bucket's source, else by its writer's")
{
    std::vector<SourceConfig> sources(2);
    sources[0].bucket = "media-1250000000";
    sources[1].bucket = "outputs-1250000000";
    CHECK(signing_source(sources, "outputs-1250000000", "media-1250000000") == &sources[1]);
    CHECK(signing_source(sources, "elsewhere-1250000000", "media-1250000000") == &sources[0]);
    CHECK(signing_source(sources, "elsewhere-1250000000", "other-1250000000") == nullptr);
}

TEST_CASE("audit: the progress line and the metrics text")
{
    const std::string line = format_audit_progress({200, 50, 2, 1, 0}, 10.0);
    CHECK(line == "audit  50/200 objects  25%  5/s  ETA 30s  missing 2  mismatch 1  errors 0");

    AuditSummary summary;
    summary.due = 3;
    summary.checked = 3;
    summary.verdicts = {{"match", 2}, {"missing", 1}};
    summary.problem_count = 1;
    summary.requests = 4;
    summary.retries = 1;
    const std::string text = render_audit_metrics(summary, 1704067200);
    CHECK(text.find("ci_jobsync_audit_last_run_objects{verdict=\"match\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("ci_jobsync_audit_last_run_objects{verdict=\"mismatch\"} 0\n") !=
          std::string::npos);
    CHECK(text.find("ci_jobsync_audit_last_run_success 0\n") != std::string::npos);
    CHECK(text.find("ci_jobsync_audit_last_run_requests 4\n") != std::string::npos);
    CHECK(text.find("ci_jobsync_audit_last_run_timestamp_seconds 1704067200\n") !=
          std::string::npos);
}
