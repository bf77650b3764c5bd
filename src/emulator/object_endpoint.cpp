// COS on the object's host (<bucket>.cos.<region>.myqcloud.com): HEAD of an
// output object, and CI's GET /<key>?ci-process=filehash&type=md5, for the
// objects the dataset's Success jobs wrote; signed like /jobs. A HEAD's
// errors have no body, as COS's: 404 missing, 403 no permission, 503.
#include "emulator/prng.hpp"
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/xml_escape.hpp"

#include <chrono>
#include <thread>

namespace jobsync::emulator {
namespace {

// A stand-in MD5 (32 hex digits) derived from text.
std::string derived_md5(const std::string& text)
{
    return hex64(hash64(text)) + hex64(hash64(text + "#"));
}

struct ObjectAnswer {
    std::string content_md5; // what the content's MD5 is
    std::string etag;        // as COS reports it, unquoted
    std::string meta_md5;    // x-cos-meta-md5; "" => none
};

ObjectAnswer answer_for(const std::string& key, const StoredObject& object,
                        std::optional<ObjectCaseKind> object_case)
{
    ObjectAnswer answer;
    answer.content_md5 = object.md5.empty() ? derived_md5(key) : object.md5;
    if (object_case == ObjectCaseKind::mismatch) {
        answer.content_md5 = derived_md5("overwritten:" + key);
    }
    answer.etag = answer.content_md5;
    if (object_case == ObjectCaseKind::multipart || object_case == ObjectCaseKind::multipart_md5) {
        answer.etag = derived_md5("parts:" + key) + "-3";
    }
    if (object_case == ObjectCaseKind::multipart_md5) {
        answer.meta_md5 = answer.content_md5;
    }
    return answer;
}

HttpResponse bodiless(int status)
{
    HttpResponse response;
    response.status = status;
    response.content_type = "application/octet-stream";
    return response;
}

} // namespace

HttpResponse RequestHandler::handle_object(const Exchange& exchange, const CosHost& host)
{
    const HttpRequest& request = exchange.request;
    const std::string* process = find_param(exchange.params, "ci-process");
    const bool head = request.method == "HEAD";
    const bool filehash = request.method == "GET" && process != nullptr && *process == "filehash";
    if (!head && !filehash) {
        return error(exchange, 405, "MethodNotAllowed",
                     "Only HEAD and GET ?ci-process=filehash are emulated on COS hosts.");
    }
    const long latency_ms = faults_.get().latency_ms;
    if (latency_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    }
    (head ? head_requests_ : filehash_requests_).fetch_add(1);
    if (const auto rejection =
            check_signature(request, exchange.params, credentials_, rules_, emulator_now())) {
        rejected_signatures_.fetch_add(1);
        return head ? bodiless(rejection->status)
                    : error(exchange, rejection->status, rejection->code, rejection->message);
    }
    const std::string key = request.path.substr(1);
    const auto object_case = object_cases_.next(host.bucket, key);
    if (object_case == ObjectCaseKind::forbidden) {
        return head ? bodiless(403) : error(exchange, 403, "AccessDenied", "Access Denied.");
    }
    if (object_case == ObjectCaseKind::unavailable) {
        faults_injected_.fetch_add(1);
        return head ? bodiless(503)
                    : error(exchange, 503, "ServiceUnavailable", "Please try again.");
    }
    const auto object = dataset_.find_object(host.bucket, key);
    if (!object || object_case == ObjectCaseKind::missing) {
        return head ? bodiless(404)
                    : error(exchange, 404, "NoSuchKey", "The specified key does not exist.");
    }
    const ObjectAnswer answer = answer_for(key, *object, object_case);
    if (filehash) {
        HttpResponse response;
        response.body = "<?xml version='1.0' encoding='utf-8' ?>\n<Response><FileHashCodeResult>";
        append_element(response.body, "MD5", answer.content_md5);
        append_element(response.body, "Etag", "\"" + answer.etag + "\"");
        append_element(response.body, "LastModified", format_http_date(object->last_modified));
        response.body += "</FileHashCodeResult></Response>";
        return response;
    }
    HttpResponse response = bodiless(200);
    response.headers = {{"ETag", "\"" + answer.etag + "\""},
                        {"Last-Modified", format_http_date(object->last_modified)},
                        {"x-cos-hash-crc64ecma", std::to_string(hash64(answer.content_md5))},
                        {"x-cos-request-id", exchange.request_id}};
    if (!answer.meta_md5.empty()) {
        response.headers.emplace_back("x-cos-meta-md5", answer.meta_md5);
    }
    return response;
}

} // namespace jobsync::emulator
