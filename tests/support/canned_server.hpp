// An HTTP server on 127.0.0.1 that answers each request with a canned
// response and closes the connection: a stand-in for a proxy, a broken
// service, or a service whose page 2 is bad.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testing {

struct CannedResponse {
    std::string status_line;  // "200 OK"
    std::string content_type; // "" => no Content-Type header
    std::string body;
    std::string request_id = "canned-request-1"; // x-ci-request-id, sent as these bytes
};

class CannedServer {
public:
    CannedServer();
    ~CannedServer();
    CannedServer(const CannedServer&) = delete;
    CannedServer& operator=(const CannedServer&) = delete;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Requests answered since the last respond().
    long requests() const { return requests_; }

    // Every request gets this response from now on (the rules of
    // respond_when are dropped), and the request count restarts.
    void respond(const std::string& status_line, const std::string& content_type,
                 const std::string& body);
    void respond(const CannedResponse& response);
    // A request whose request line ("GET /jobs?...&nextToken=t2 HTTP/1.1")
    // contains `fragment` gets `response` instead; the first matching rule wins.
    void respond_when(const std::string& fragment, const CannedResponse& response);

private:
    void serve();
    void answer(int client);
    std::string response_for(const std::string& request_line) const;

    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<long> requests_{0};
    mutable std::mutex mutex_;
    std::string default_response_;
    std::vector<std::pair<std::string, std::string>> rules_; // fragment, response
};

} // namespace testing
