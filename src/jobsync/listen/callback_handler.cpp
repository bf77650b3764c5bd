#include "jobsync/listen/callback_handler.hpp"

#include "jobsync/core/logger.hpp"
#include "jobsync/core/url_encode.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/listen/callback_parser.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <map>

namespace jobsync {
namespace {

// A 503 while the database is away asks the sender to come back after this.
constexpr int kRetryAfterSeconds = 5;

http::HttpResponse text(int status, const std::string& body)
{
    http::HttpResponse response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = body + "\n";
    return response;
}

std::array<unsigned char, SHA256_DIGEST_LENGTH> digest(std::string_view value)
{
    std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
    SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), out.data());
    return out;
}

// The raw (undecoded) value of the first `name=` parameter of a query.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name)
{
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (url_decode(pair.substr(0, eq), true) == name) {
            return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        }
        query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    }
    return std::nullopt;
}

bool same_secret(std::string_view given, const std::string& expected)
{
    const auto a = digest(given);
    const auto b = digest(expected);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

bool query_token_matches(std::string_view query, const std::string& expected)
{
    const std::optional<std::string_view> given = query_parameter(query, "token");
    if (!given || expected.empty()) {
        return false;
    }
    // A '+' in a URL is a '+' (RFC 3986) to CI and to most people writing the
    // URL, but a space to form decoding: either reading matches, so a token
    // holding '+' works written as '+' or as %2B (and one holding a space as
    // %20 or '+'). Both are compared, so the time does not say which matched.
    const bool as_written = same_secret(url_decode(*given, false), expected);
    const bool as_form = same_secret(url_decode(*given, true), expected);
    return as_written || as_form;
}

CallbackHandler::CallbackHandler(const Config& config, ListenMetrics& metrics,
                                 std::function<void()> on_recorded)
    : config_(config), metrics_(metrics), on_recorded_(std::move(on_recorded))
{
}

std::optional<http::HttpResponse> CallbackHandler::check_head(const http::HttpRequest& head)
{
    if (is_probe(head)) {
        return std::nullopt;
    }
    return refusal(head);
}

http::HttpResponse CallbackHandler::handle(const http::HttpRequest& request)
{
    if (request.path == "/healthz" && request.method == "GET") {
        return text(200, "ok");
    }
    if (request.path == "/metrics" && request.method == "GET") {
        http::HttpResponse response = text(200, "");
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = metrics_.render(inbox_activity());
        return response;
    }
    if (std::optional<http::HttpResponse> refused = refusal(request)) {
        return *refused; // the server asked check_head first: only a direct call gets here
    }
    if (request.body.size() > static_cast<std::size_t>(config_.listen.max_body_bytes)) {
        return refuse(413, "the body is larger than [listen] max_body_bytes");
    }
    return callback(request);
}

bool CallbackHandler::is_probe(const http::HttpRequest& head)
{
    return head.method == "GET" && (head.path == "/healthz" || head.path == "/metrics");
}

std::optional<http::HttpResponse> CallbackHandler::refusal(const http::HttpRequest& head)
{
    if (head.path != config_.listen.path) {
        metrics_.refused(RefusalReason::path);
        return text(404, "not found");
    }
    if (head.method != "POST") {
        metrics_.refused(RefusalReason::method);
        http::HttpResponse response = text(405, "callbacks are POSTed");
        response.headers.emplace_back("Allow", "POST");
        return response;
    }
    if (!query_token_matches(head.query, config_.listen.token)) {
        metrics_.refused(RefusalReason::token);
        return text(403, "missing or wrong token");
    }
    return std::nullopt;
}

http::HttpResponse CallbackHandler::refuse(int status, const std::string& message)
{
    metrics_.refused(status == 413 ? RefusalReason::too_large : RefusalReason::body);
    return text(status, message);
}

http::HttpResponse CallbackHandler::callback(const http::HttpRequest& request)
{
    CallbackHint hint;
    try {
        hint = parse_callback(request.body);
    } catch (const CallbackError& e) {
        metrics_.refused(RefusalReason::body);
        log_warn("callback refused", {{"peer", request.peer}, {"reason", e.what()}});
        return text(400, std::string("not a TaskFinish/WorkflowFinish notification: ") + e.what());
    }
    std::map<std::string, Recorded> by_bucket;
    std::map<std::string, std::size_t> ignored_by_problem; // ids of no configured bucket
    std::size_t recorded = 0;
    bool run_recorded = false;
    for (const CallbackJob& job : hint.jobs) {
        std::string problem;
        const std::string bucket = bucket_for(job.bucket, problem);
        if (bucket.empty()) {
            ++ignored_by_problem[problem];
            continue;
        }
        by_bucket[bucket].job_ids.push_back(job.job_id);
        ++recorded;
    }
    if (hint.run) {
        std::string problem;
        const std::string bucket = bucket_for(hint.run->bucket, problem);
        if (bucket.empty()) {
            ++ignored_by_problem[problem];
        } else {
            by_bucket[bucket].run_id = hint.run->run_id;
            run_recorded = true;
        }
    }
    if (by_bucket.empty()) {
        const std::string& problem = ignored_by_problem.begin()->first;
        metrics_.refused(RefusalReason::bucket);
        log_warn("callback refused", {{"peer", request.peer}, {"reason", problem}});
        return text(400, problem);
    }
    // A callback naming a configured and another bucket: the configured
    // bucket's ids are recorded, the others cannot be fetched and are left out.
    for (const auto& [problem, count] : ignored_by_problem) {
        metrics_.ignored(static_cast<long>(count));
        log_warn("callback job ids ignored",
                 {{"peer", request.peer}, {"ids", std::to_string(count)}, {"reason", problem}});
    }
    try {
        for (const auto& [bucket, ids] : by_bucket) {
            record(bucket, ids, via_name(hint.via), hint.event_name);
        }
    } catch (const std::exception& e) {
        // Not acknowledged: CI (or whoever sent it) may retry; the poll reconciles.
        metrics_.refused(RefusalReason::database);
        log_error("callback not recorded", {{"error", e.what()}});
        http::HttpResponse response = text(503, "the inbox is unavailable");
        response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
        return response;
    }
    metrics_.accepted();
    log_debug("callback recorded", {{"event", hint.event_name},
                                    {"ids", std::to_string(recorded)},
                                    {"via", std::string(via_name(hint.via))}});
    on_recorded_();
    const std::size_t ignored = hint.jobs.size() - recorded;
    return text(200, "recorded " + std::to_string(recorded) + " job ids" +
                         (run_recorded ? " and workflow run " + hint.run->run_id : "") +
                         (ignored == 0 ? std::string()
                                       : "; ignored " + std::to_string(ignored) +
                                             " of buckets not configured"));
}

std::string CallbackHandler::bucket_for(const std::string& named, std::string& problem) const
{
    if (named.empty()) {
        if (config_.sources.size() == 1) {
            return config_.sources.front().bucket;
        }
        problem = "the callback names no Input/BucketId and several [[source]] buckets are "
                  "configured";
        return "";
    }
    for (const SourceConfig& source : config_.sources) {
        if (source.bucket == named) {
            return named;
        }
    }
    problem = "Input/BucketId '" + named + "' is not the bucket of any [[source]]";
    return "";
}

void CallbackHandler::record(const std::string& bucket, const Recorded& ids, std::string_view via,
                             const std::string& event)
{
    std::unique_ptr<DbSession> session = take_session();
    // One reconnect of one try: a pooled session that went stale while the
    // database restarted is replaced, but a database that is away gets a
    // quick 503 rather than a handler that waits out the outage.
    DbRetryOptions retry;
    retry.max_connection_losses = 1;
    perform(
        *session, "recording a callback",
        [&] {
            pqxx::work txn(session->conn());
            inbox_store::record(txn, bucket, ids.job_ids, via, event);
            if (!ids.run_id.empty()) { // with its task jobs: one acknowledgement, one commit
                inbox_store::record_run(txn, bucket, ids.run_id);
            }
            txn.commit();
        },
        retry);
    give_session(std::move(session));
}

std::optional<inbox_store::InboxActivity> CallbackHandler::inbox_activity()
{
    try {
        std::unique_ptr<DbSession> session = take_session();
        pqxx::read_transaction txn(session->conn());
        const inbox_store::InboxActivity activity = inbox_store::activity(txn);
        txn.commit();
        give_session(std::move(session));
        return activity;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::unique_ptr<DbSession> CallbackHandler::take_session()
{
    {
        const std::lock_guard<std::mutex> lock(sessions_mutex_);
        if (!sessions_.empty()) {
            std::unique_ptr<DbSession> session = std::move(sessions_.back());
            sessions_.pop_back();
            return session;
        }
    }
    return std::make_unique<DbSession>(config_.database, 1);
}

void CallbackHandler::give_session(std::unique_ptr<DbSession> session)
{
    const std::lock_guard<std::mutex> lock(sessions_mutex_);
    sessions_.push_back(std::move(session));
}

} // namespace jobsync
