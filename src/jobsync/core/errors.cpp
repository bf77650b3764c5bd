#include "jobsync/core/errors.hpp"

namespace jobsync {

std::string ServiceErrorDetails::describe() const
{
    std::string text = "HTTP " + std::to_string(http_status);
    if (!code.empty()) {
        text += " " + code;
    }
    if (!message.empty()) {
        text += ": " + message;
    }
    if (!request_id.empty()) {
        text += " (RequestId " + request_id + ")";
    }
    return text;
}

} // namespace jobsync
