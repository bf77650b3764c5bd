#include "jobsync/api/http_client.hpp"

#include "jobsync/core/errors.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

namespace jobsync {

struct HttpClient::Impl {
    HttpOptions options;
    CURL* handle = nullptr;
    StopToken stop;

    // Per-transfer state the callbacks write into.
    HttpResponse response;
    bool head = false; // a HEAD's Content-Length is the object's size, not a body to come
    bool too_large = false;
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user)
{
    auto* impl = static_cast<HttpClient::Impl*>(user);
    const size_t bytes = size * count;
    if (impl->response.body.size() + bytes >
        static_cast<size_t>(impl->options.max_response_bytes)) {
        impl->too_large = true;
        return 0; // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    impl->response.body.append(data, bytes);
    return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user)
{
    auto* impl = static_cast<HttpClient::Impl*>(user);
    const size_t bytes = size * count;
    std::string line(data, bytes);
    if (line.rfind("HTTP/", 0) == 0) {
        impl->response.headers.clear(); // a new response (after a 100 Continue or redirect)
        return bytes;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
        return bytes;
    }
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    if (name == "content-length" && !impl->head) {
        // Size the body once instead of growing (and copying) it chunk by chunk.
        // A buffer that has to grow gets a quarter more: it is reused for
        // later pages (BodyPool), which vary in size, and each growth is a
        // fresh allocation to fault in.
        const long long length = std::strtoll(value.c_str(), nullptr, 10);
        std::string& body = impl->response.body;
        if (length > 0 && length <= impl->options.max_response_bytes &&
            static_cast<std::size_t>(length) > body.capacity()) {
            body.reserve(static_cast<std::size_t>(
                std::min<long long>(length + length / 4, impl->options.max_response_bytes)));
        }
    }
    impl->response.headers[name] = value;
    return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto* impl = static_cast<HttpClient::Impl*>(user);
    return impl->stop.stopped() ? 1 : 0;
}

std::string host_of(const std::string& url)
{
    const auto scheme_end = url.find("://");
    const auto start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    const auto end = url.find_first_of("/?", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace

void http_global_init()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>())
{
    http_global_init();
    impl_->options = options;
    impl_->handle = curl_easy_init();
    if (impl_->handle == nullptr) {
        throw RunError("curl_easy_init failed");
    }
}

HttpClient::~HttpClient()
{
    if (impl_ && impl_->handle != nullptr) {
        curl_easy_cleanup(impl_->handle);
    }
}

void HttpClient::set_stop(StopToken stop)
{
    impl_->stop = stop;
}

HttpResponse HttpClient::send(const std::string& method, const std::string& url,
                              const std::vector<std::string>& header_lines, std::string body_buffer)
{
    CURL* h = impl_->handle;
    impl_->response = HttpResponse{};
    impl_->response.body = std::move(body_buffer);
    impl_->response.body.clear(); // keeps the capacity
    impl_->too_large = false;
    impl_->head = method == "HEAD";

    curl_slist* headers = nullptr;
    for (const std::string& line : header_lines) {
        headers = curl_slist_append(headers, line.c_str());
    }
    // Reset per-request options; the handle (and its connection cache) is reused.
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    if (method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L); // a HEAD: the headers only
    } else if (method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        throw RunError("HttpClient: unsupported method " + method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, impl_->options.connect_timeout_seconds);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, impl_->options.request_timeout_seconds);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L); // always on; there is no option to disable it
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); // gzip if the server offers it
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ci-jobsync");
    // A page is several hundred KB: read it in 64 KiB pieces, not 16 KiB ones
    // (each a recv, a poll and a write callback). Not larger: curl allocates
    // this buffer for every transfer, and above glibc's mmap threshold
    // (128 KiB) that would be a fresh mapping to fault in on every request.
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 64L * 1024);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, impl_.get());
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, impl_.get());
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, impl_.get());
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(impl_->options.max_response_bytes));

    const CURLcode code = curl_easy_perform(h);
    curl_slist_free_all(headers);

    if (impl_->too_large || code == CURLE_FILESIZE_EXCEEDED) {
        throw PartitionError("response from " + host_of(url) + " exceeds the limit of " +
                             std::to_string(impl_->options.max_response_bytes) +
                             " bytes (sync.max_response_bytes)");
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        throw RunError("request to " + host_of(url) + " aborted: shutting down");
    }
    if (code != CURLE_OK) {
        throw RetryableError("request to " + host_of(url) + " failed: " + curl_easy_strerror(code));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &impl_->response.status);
    return std::move(impl_->response);
}

} // namespace jobsync
