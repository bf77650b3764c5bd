#include "support/signed_call.hpp"

#include "jobsync/core/api_time.hpp"
#include "jobsync/core/url_encode.hpp"

#include <vector>

namespace testing {

jobsync::HttpResponse send_signed(int port, const SignedCall& call)
{
    const std::string authority = "127.0.0.1:" + std::to_string(port);
    const std::string host = call.host.empty() ? authority : call.host;
    jobsync::SigningRequest signing{"GET", call.signed_path.empty() ? call.path : call.signed_path,
                                    call.sign_params ? call.params : jobsync::QueryParams{},
                                    call.signed_headers};
    if (call.sign_host) {
        signing.headers.emplace_back("Host", host);
    }
    const jobsync::UnixSeconds now = jobsync::now_unix_seconds();
    const std::string key_time = call.key_time.empty()
                                     ? std::to_string(now - 60) + ";" + std::to_string(now + 3600)
                                     : call.key_time;
    std::vector<std::string> lines{
        "Host: " + host, "Authorization: " + jobsync::sign_request(signing, call.secret_id,
                                                                   call.secret_key, key_time)};
    for (const jobsync::HeaderList* headers : {&call.signed_headers, &call.unsigned_headers}) {
        for (const auto& [name, value] : *headers) {
            lines.push_back(name + ": " + value);
        }
    }
    std::string query;
    for (const auto& [name, value] : call.params) {
        query += (query.empty() ? "?" : "&") + jobsync::url_encode(name) + "=" +
                 jobsync::url_encode(value);
    }
    jobsync::HttpClient client(jobsync::HttpOptions{});
    return client.get("http://" + authority + call.path + query, lines);
}

} // namespace testing
