// Errors grouped by what the caller does next, not by where they arose.
#pragma once

#include <stdexcept>
#include <string>

namespace jobsync {

// What a CI service error said, for messages and the checkpoint's last_error.
// Never holds a secret: the Authorization header is not part of it.
struct ServiceErrorDetails {
    long http_status = 0;
    std::string code;             // <Error><Code>, e.g. SignatureDoesNotMatch
    std::string message;          // <Error><Message>
    std::string request_id;       // <RequestId> or the x-ci-request-id header
    std::string describe() const; // "HTTP 403 SignatureDoesNotMatch: ... (RequestId ...)"
};

// Transient: network failure, timeout, 5xx, throttling, truncated or
// malformed body. The caller retries with backoff, then gives up the partition.
class RetryableError : public std::runtime_error {
public:
    explicit RetryableError(const std::string& what, ServiceErrorDetails details = {},
                            long retry_after_seconds = -1)
        : std::runtime_error(what), details_(std::move(details)),
          retry_after_seconds_(retry_after_seconds)
    {
    }
    const ServiceErrorDetails& details() const noexcept { return details_; }
    // Seconds from a Retry-After header; -1 when the server gave none.
    long retry_after_seconds() const noexcept { return retry_after_seconds_; }

private:
    ServiceErrorDetails details_;
    long retry_after_seconds_;
};

// This partition cannot go on (4xx, a page that does not parse, a rejected
// signature). Its checkpoint stays where it was; other partitions continue.
class PartitionError : public std::runtime_error {
public:
    explicit PartitionError(const std::string& what, ServiceErrorDetails details = {})
        : std::runtime_error(what), details_(std::move(details))
    {
    }
    const ServiceErrorDetails& details() const noexcept { return details_; }

private:
    ServiceErrorDetails details_;
};

// The whole run stops (database unreachable, migrations failed). Exit 1.
class RunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad command line or configuration; nothing was touched. Exit 2.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace jobsync
