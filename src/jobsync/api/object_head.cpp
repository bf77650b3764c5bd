#include "jobsync/api/object_head.hpp"

#include "jobsync/api/error_body.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>

namespace jobsync {
namespace {

constexpr std::size_t kMaxHeaderText = 200;

std::string header_text(const HttpResponse& response, const std::string& name)
{
    return sanitize_text(header_or_empty(response, name), TextForm::line, kMaxHeaderText);
}

} // namespace

std::string cos_host(const std::string& bucket, const std::string& region)
{
    return bucket + ".cos." + region + ".myqcloud.com";
}

ObjectHead read_object_head(const HttpResponse& response)
{
    ObjectHead head;
    head.http_status = response.status;
    head.request_id = header_text(response, "x-cos-request-id");
    if (response.status != 200) {
        return head;
    }
    const std::string length = header_or_empty(response, "content-length");
    long long value = 0;
    const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), value);
    if (!length.empty() && ec == std::errc() && end == length.data() + length.size()) {
        head.content_length = value;
    }
    std::string etag = header_text(response, "etag");
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag = etag.substr(1, etag.size() - 2);
    }
    head.etag = etag;
    head.crc64 = header_text(response, "x-cos-hash-crc64ecma");
    head.meta_md5 = header_text(response, "x-cos-meta-md5");
    head.last_modified = parse_http_date(header_or_empty(response, "last-modified"));
    return head;
}

std::string comparable_md5(const std::string& value)
{
    const bool hex32 = value.size() == 32 && std::all_of(value.begin(), value.end(), [](char c) {
                           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                       });
    if (!hex32) {
        return "";
    }
    std::string lower = value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

std::string parse_filehash_md5(const std::string& body)
{
    const auto doc = xml::new_document();
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    std::string md5;
    try {
        xml::parse(*doc, body);
        const xml::Node* root = xml::first_child_element(doc.get());
        const xml::Node* result = xml::child(root, "FileHashCodeResult");
        md5 = comparable_md5(std::string(reader.text(xml::child(result, "MD5"))));
    } catch (const rapidxml::parse_error& e) {
        throw RetryableError(std::string("malformed XML in a filehash response: ") + e.what());
    }
    if (md5.empty()) {
        throw PartitionError("a filehash response without a 32-hex FileHashCodeResult/MD5");
    }
    return md5;
}

} // namespace jobsync
