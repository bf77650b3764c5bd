// How GET /jobs/<ids> requests split a list of ids, and what the by-id
// requests of one run share. Used by sync's refresh and listen's inbox drain.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace jobsync {

// A job id the service refused when asked for alone (HTTP 400), and its answer.
struct RefusedId {
    std::string id;
    std::string error;
};

// Sends `ids` in one request with `send`. When the service refuses it with
// HTTP 400 (a PartitionError) and it names more than one id, sends each half
// in turn, down to single ids: one bad id costs about 2·log2(batch) requests
// more and its neighbours are still fetched. Nothing is remembered, so the
// caller's next batch is full size again. Returns the ids refused alone;
// other errors propagate.
std::vector<RefusedId>
send_bisecting(const std::vector<std::string>& ids,
               const std::function<void(const std::vector<std::string>&)>& send);

// Buckets whose key the service refused GET /jobs/<ids> (HTTP 403 or 404) in
// this run, with the first refusal's error: their partitions refresh by
// re-walk without asking again, and the refusal is logged once. Thread-safe.
class ByIdRefusals {
public:
    // Records the bucket's refusal; true the first time in the run (a later
    // error does not replace the first).
    bool record(const std::string& bucket, const std::string& error);
    // The recorded error, if the bucket was refused.
    std::optional<std::string> refusal(const std::string& bucket) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string> errors_;
};

} // namespace jobsync
