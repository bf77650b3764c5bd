// How the emulated COS answers a HEAD of an output object, per object or per
// bucket, settable while the server runs (POST /_emulator/objects). Objects
// without a case are served as a simple upload whose ETag is the reported MD5.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace jobsync::emulator {

enum class ObjectCaseKind {
    missing,       // 404, no body (deleted by a lifecycle rule)
    mismatch,      // a 32-hex ETag that is not the reported MD5 (overwritten)
    multipart,     // ETag "<32hex>-<parts>", nothing comparable
    multipart_md5, // the same with x-cos-meta-md5 = the reported MD5
    forbidden,     // 403, no body
    unavailable,   // 503, no body, `times` times; then served normally
};

struct ObjectCase {
    ObjectCaseKind kind = ObjectCaseKind::missing;
    long times = 0; // unavailable: answers left
};

// "missing", "mismatch", ...; nullopt for an unknown name.
std::optional<ObjectCaseKind> object_case_kind(const std::string& name);

class ObjectCases {
public:
    void set(const std::string& bucket, const std::string& key, ObjectCase object_case);
    void clear(const std::string& bucket, const std::string& key);
    // Every object of the bucket answers 403 (the key cannot read it).
    void forbid_bucket(const std::string& bucket);
    void clear_all();

    // The case that applies to this request: a forbidden bucket first; an
    // unavailable case counts one answer down (and ends at 0).
    std::optional<ObjectCaseKind> next(const std::string& bucket, const std::string& key);

private:
    std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, ObjectCase> cases_;
    std::set<std::string> forbidden_buckets_;
};

} // namespace jobsync::emulator
