#include "jobsync/core/cos_signer.hpp"

#include "jobsync/core/url_encode.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

namespace jobsync {
namespace {

std::string to_lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string to_hex(const unsigned char* bytes, unsigned int length)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[bytes[i] >> 4];
        hex += kHex[bytes[i] & 0x0F];
    }
    return hex;
}

using EncodedPairs = std::vector<std::pair<std::string, std::string>>;

// Key lower(E(name)), value E(value), sorted by key: the form both the
// parameter and the header lists take in the HttpString.
template <typename Pairs> EncodedPairs encode_and_sort(const Pairs& pairs)
{
    EncodedPairs encoded;
    encoded.reserve(pairs.size());
    for (const auto& [name, value] : pairs) {
        encoded.emplace_back(to_lower(url_encode(name)), url_encode(value));
    }
    std::sort(encoded.begin(), encoded.end());
    return encoded;
}

std::string join_pairs(const EncodedPairs& pairs)
{
    std::string joined;
    for (const auto& [key, value] : pairs) {
        if (!joined.empty()) {
            joined += '&';
        }
        joined += key + "=" + value;
    }
    return joined;
}

std::string join_keys(const EncodedPairs& pairs)
{
    std::string joined;
    for (const auto& pair : pairs) {
        if (!joined.empty()) {
            joined += ';';
        }
        joined += pair.first;
    }
    return joined;
}

std::string signature_for(const std::string& method, const std::string& path,
                          const EncodedPairs& params, const EncodedPairs& headers,
                          const std::string& secret_key, const std::string& key_time)
{
    const std::string sign_key = hmac_sha1_hex(secret_key, key_time);
    const std::string http_string = to_lower(method) + "\n" + path + "\n" + join_pairs(params) +
                                    "\n" + join_pairs(headers) + "\n";
    const std::string string_to_sign = "sha1\n" + key_time + "\n" + sha1_hex(http_string) + "\n";
    return hmac_sha1_hex(sign_key, string_to_sign);
}

std::vector<std::string> split_list(const std::string& list)
{
    std::vector<std::string> items;
    std::string item;
    std::istringstream stream(list);
    while (std::getline(stream, item, ';')) {
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    return items;
}

// Picks the entries named in `list` (encoded lowercase keys) out of `all`.
// Returns false when one is missing.
bool select_listed(const EncodedPairs& all, const std::string& list, EncodedPairs& selected)
{
    for (const std::string& wanted : split_list(list)) {
        const auto found = std::find_if(all.begin(), all.end(),
                                        [&](const auto& pair) { return pair.first == wanted; });
        if (found == all.end()) {
            return false;
        }
        selected.push_back(*found);
    }
    std::sort(selected.begin(), selected.end());
    return true;
}

} // namespace

bool is_signable_header(const std::string& name)
{
    static const std::array<const char*, 18> kSigned{"host",
                                                     "content-type",
                                                     "content-length",
                                                     "content-md5",
                                                     "content-disposition",
                                                     "content-encoding",
                                                     "cache-control",
                                                     "expect",
                                                     "expires",
                                                     "if-match",
                                                     "if-none-match",
                                                     "if-modified-since",
                                                     "if-unmodified-since",
                                                     "origin",
                                                     "range",
                                                     "transfer-encoding",
                                                     "access-control-request-method",
                                                     "access-control-request-headers"};
    const std::string lower = to_lower(name);
    if (lower.rfind("x-cos-", 0) == 0 || lower.rfind("x-ci-", 0) == 0) {
        return true;
    }
    return std::find(kSigned.begin(), kSigned.end(), lower) != kSigned.end();
}

std::string sign_request(const SigningRequest& request, const std::string& secret_id,
                         const std::string& secret_key, const std::string& key_time)
{
    HeaderList signable;
    for (const auto& header : request.headers) {
        if (is_signable_header(header.first)) {
            signable.push_back(header);
        }
    }
    const EncodedPairs params = encode_and_sort(request.query);
    const EncodedPairs headers = encode_and_sort(signable);
    const std::string signature =
        signature_for(request.method, request.path, params, headers, secret_key, key_time);
    return "q-sign-algorithm=sha1&q-ak=" + secret_id + "&q-sign-time=" + key_time +
           "&q-key-time=" + key_time + "&q-header-list=" + join_keys(headers) +
           "&q-url-param-list=" + join_keys(params) + "&q-signature=" + signature;
}

bool parse_authorization(const std::string& value, ParsedAuthorization& out)
{
    bool seen[7] = {};
    std::istringstream stream(value);
    std::string part;
    while (std::getline(stream, part, '&')) {
        const auto eq = part.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const std::string key = part.substr(0, eq);
        const std::string field = part.substr(eq + 1);
        static const std::array<const char*, 7> kKeys{
            "q-sign-algorithm", "q-ak",       "q-sign-time", "q-key-time", "q-header-list",
            "q-url-param-list", "q-signature"};
        std::string* targets[7] = {&out.algorithm, &out.access_key,  &out.sign_time,
                                   &out.key_time,  &out.header_list, &out.url_param_list,
                                   &out.signature};
        for (std::size_t i = 0; i < kKeys.size(); ++i) {
            if (key == kKeys[i]) {
                *targets[i] = field;
                seen[i] = true;
            }
        }
    }
    return std::all_of(std::begin(seen), std::end(seen), [](bool s) { return s; });
}

std::string compute_signature_for_lists(const SigningRequest& request,
                                        const std::string& header_list,
                                        const std::string& url_param_list,
                                        const std::string& secret_key, const std::string& key_time)
{
    EncodedPairs params;
    EncodedPairs headers;
    if (!select_listed(encode_and_sort(request.query), url_param_list, params) ||
        !select_listed(encode_and_sort(request.headers), header_list, headers)) {
        return "";
    }
    return signature_for(request.method, request.path, params, headers, secret_key, key_time);
}

std::string hmac_sha1_hex(const std::string& key, const std::string& message)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    return to_hex(digest, length);
}

std::string sha1_hex(std::string_view data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
    return to_hex(digest, length);
}

} // namespace jobsync
