// The listener's HTTP answers: callbacks on the configured path are
// authenticated by the ?token= query parameter (before the body is read),
// parsed for their job ids (and a WorkflowFinish's run), recorded in the
// inbox (inbox_runs) in one transaction and only then acknowledged;
// ids of a bucket that is no [[source]]'s are left out. GET /healthz and
// GET /metrics need no token and show no job data.
#pragma once

#include "http_server/http_server.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/listen/listen_metrics.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace jobsync {

// True when the query string's token parameter equals `expected`, read with
// '+' as itself or as a space (percent-escapes decoded either way), compared
// in constant time (over SHA-256 digests, so the length does not leak either).
bool query_token_matches(std::string_view query, const std::string& expected);

class CallbackHandler : public http::HttpHandler {
public:
    // on_recorded runs after each acknowledged callback (wakes the fetcher).
    CallbackHandler(const Config& config, ListenMetrics& metrics,
                    std::function<void()> on_recorded);

    // Path, method and token are checked on the head: a stranger's request
    // is answered before its body is read.
    std::optional<http::HttpResponse> check_head(const http::HttpRequest& head) override;
    http::HttpResponse handle(const http::HttpRequest& request) override;
    http::HttpResponse refuse(int status, const std::string& message) override;

private:
    static bool is_probe(const http::HttpRequest& head); // GET /healthz, GET /metrics
    // 404 another path, 405 not POST, 403 a missing or wrong token; counted.
    std::optional<http::HttpResponse> refusal(const http::HttpRequest& head);
    http::HttpResponse callback(const http::HttpRequest& request);
    // What one callback records for one bucket.
    struct Recorded {
        std::vector<std::string> job_ids;
        std::string run_id; // a WorkflowFinish's run; "" => none
    };
    // The bucket a job's callback belongs to; "" => unknown (message set).
    std::string bucket_for(const std::string& named, std::string& problem) const;
    void record(const std::string& bucket, const Recorded& ids, std::string_view via,
                const std::string& event);
    // nullopt when the database did not answer.
    std::optional<inbox_store::InboxActivity> inbox_activity();

    // Connections for the server's threads, made on first use.
    std::unique_ptr<DbSession> take_session();
    void give_session(std::unique_ptr<DbSession> session);

    const Config& config_;
    ListenMetrics& metrics_;
    std::function<void()> on_recorded_;
    std::mutex sessions_mutex_;
    std::vector<std::unique_ptr<DbSession>> sessions_;
};

} // namespace jobsync
