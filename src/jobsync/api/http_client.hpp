// A libcurl easy handle reused for every request of one worker (keep-alive).
#pragma once

#include "jobsync/core/stop_token.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace jobsync {

struct HttpOptions {
    long connect_timeout_seconds = 10;
    long request_timeout_seconds = 60;
    long max_response_bytes = 64L * 1024 * 1024;
};

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers; // names lowercased; last value wins
    std::string body;
};

class HttpClient {
public:
    explicit HttpClient(HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // GET or HEAD url with extra header lines ("Name: value"). TLS
    // verification is always on. The body is received into body_buffer's
    // memory (its content is dropped; see BodyPool); a HEAD has none. Throws
    // RetryableError on network errors and timeouts (the message names the
    // host, never the headers), PartitionError when the body exceeds
    // max_response_bytes. Non-2xx statuses are returned, not thrown.
    HttpResponse send(const std::string& method, const std::string& url,
                      const std::vector<std::string>& header_lines, std::string body_buffer = {});
    HttpResponse get(const std::string& url, const std::vector<std::string>& header_lines,
                     std::string body_buffer = {})
    {
        return send("GET", url, header_lines, std::move(body_buffer));
    }

    // Once `stop` is stopped, transfers abort promptly (SIGTERM handling).
    void set_stop(StopToken stop);

    struct Impl; // public only so the C callbacks in the .cpp can name it

private:
    std::unique_ptr<Impl> impl_;
};

// Call once per process before threads start (curl_global_init).
void http_global_init();

} // namespace jobsync
