// Plain HTTP requests from tests (libcurl), as CI or a stranger would send
// them to the listener: any method, any body.
#pragma once

#include <string>

namespace testing {

struct HttpAnswer {
    long status = 0; // 0 => no answer (connection refused, timeout)
    std::string body;
};

HttpAnswer http_request(const std::string& method, const std::string& url,
                        const std::string& body = "",
                        const std::string& content_type = "application/xml");

// An ephemeral loopback port that was free a moment ago.
int free_loopback_port();

} // namespace testing
