#include "emulator/object_cases.hpp"

namespace jobsync::emulator {

std::optional<ObjectCaseKind> object_case_kind(const std::string& name)
{
    static const std::map<std::string, ObjectCaseKind> kinds{
        {"missing", ObjectCaseKind::missing},     {"mismatch", ObjectCaseKind::mismatch},
        {"multipart", ObjectCaseKind::multipart}, {"multipart_md5", ObjectCaseKind::multipart_md5},
        {"forbidden", ObjectCaseKind::forbidden}, {"unavailable", ObjectCaseKind::unavailable}};
    const auto found = kinds.find(name);
    return found == kinds.end() ? std::nullopt : std::optional<ObjectCaseKind>(found->second);
}

void ObjectCases::set(const std::string& bucket, const std::string& key, ObjectCase object_case)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    cases_[{bucket, key}] = object_case;
}

void ObjectCases::clear(const std::string& bucket, const std::string& key)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    cases_.erase({bucket, key});
}

void ObjectCases::forbid_bucket(const std::string& bucket)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    forbidden_buckets_.insert(bucket);
}

void ObjectCases::clear_all()
{
    const std::lock_guard<std::mutex> lock(mutex_);
    cases_.clear();
    forbidden_buckets_.clear();
}

std::optional<ObjectCaseKind> ObjectCases::next(const std::string& bucket, const std::string& key)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    if (forbidden_buckets_.count(bucket) != 0) {
        return ObjectCaseKind::forbidden;
    }
    const auto found = cases_.find({bucket, key});
    if (found == cases_.end()) {
        return std::nullopt;
    }
    ObjectCase& object_case = found->second;
    if (object_case.kind != ObjectCaseKind::unavailable) {
        return object_case.kind;
    }
    if (object_case.times <= 0) {
        return std::nullopt;
    }
    --object_case.times;
    return ObjectCaseKind::unavailable;
}

} // namespace jobsync::emulator
