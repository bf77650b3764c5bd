// An output object on COS, and what a HEAD of it says: status, size, ETag,
// CRC64, x-cos-meta-md5, Last-Modified. Errors of a HEAD have no body, so
// 404 (missing) and 403 (no permission) are told apart by status alone.
#pragma once

#include "jobsync/api/http_client.hpp"
#include "jobsync/core/api_time.hpp"

#include <optional>
#include <string>

namespace jobsync {

struct ObjectAddress {
    std::string bucket; // with APPID
    std::string region;
    std::string key; // the object name, without a leading '/'
};

// <bucket>.cos.<region>.myqcloud.com: COS, not the CI API's .ci. host.
std::string cos_host(const std::string& bucket, const std::string& region);

struct ObjectHead {
    long http_status = 0; // 200, 403 or 404
    std::optional<long long> content_length;
    std::string etag;     // without its quotes
    std::string crc64;    // x-cos-hash-crc64ecma, decimal
    std::string meta_md5; // x-cos-meta-md5
    std::optional<UnixSeconds> last_modified;
    std::string request_id; // x-cos-request-id
    bool exists() const { return http_status == 200; }
};

// The fields of a HEAD answer (200, 403 or 404); header text is sanitized.
ObjectHead read_object_head(const HttpResponse& response);

// A 32-hex ETag (a simple upload's content MD5) or meta MD5, lowercased; ""
// when the value is not one (multipart "<hex>-<parts>", a SHA-1, empty).
std::string comparable_md5(const std::string& value);

// FileHashCodeResult/MD5 of a ci-process=filehash answer. Throws
// RetryableError on malformed XML, PartitionError when MD5 is absent.
std::string parse_filehash_md5(const std::string& body);

} // namespace jobsync
