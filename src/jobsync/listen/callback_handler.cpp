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

// The value of the first `name=` parameter of a raw query, decoded.
std::optional<std::string> query_parameter(std::string_view query, std::string_view name)
{
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (url_decode(pair.substr(0, eq), true) == name) {
            return eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1), true);
        }
        query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    }
    return std::nullopt;
}

} // namespace

bool query_token_matches(std::string_view query, const std::string& expected)
{
    const std::optional<std::string> given = query_parameter(query, "token");
    if (!given || expected.empty()) {
        return false;
    }
    const auto a = digest(*given);
    const auto b = digest(expected);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

CallbackHandler::CallbackHandler(const Config& config, ListenMetrics& metrics,
                                 std::function<void()> on_recorded)
    : config_(config), metrics_(metrics), on_recorded_(std::move(on_recorded))
{
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
    if (request.path != config_.listen.path) {
        metrics_.refused(RefusalReason::path);
        return text(404, "not found");
    }
    if (request.method != "POST") {
        metrics_.refused(RefusalReason::method);
        http::HttpResponse response = text(405, "callbacks are POSTed");
        response.headers.emplace_back("Allow", "POST");
        return response;
    }
    if (!query_token_matches(request.query, config_.listen.token)) {
        metrics_.refused(RefusalReason::token);
        return text(403, "missing or wrong token");
    }
    if (request.body.size() > static_cast<std::size_t>(config_.listen.max_body_bytes)) {
        return refuse(413, "the body is larger than [listen] max_body_bytes");
    }
    return callback(request);
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
    std::map<std::string, std::vector<std::string>> ids_by_bucket;
    for (const CallbackJob& job : hint.jobs) {
        std::string problem;
        const std::string bucket = bucket_for(job.bucket, problem);
        if (bucket.empty()) {
            metrics_.refused(RefusalReason::bucket);
            log_warn("callback refused", {{"peer", request.peer}, {"reason", problem}});
            return text(400, problem);
        }
        ids_by_bucket[bucket].push_back(job.job_id);
    }
    try {
        for (const auto& [bucket, ids] : ids_by_bucket) {
            record(bucket, ids, via_name(hint.via), hint.event_name);
        }
    } catch (const std::exception& e) {
        // Not acknowledged: CI (or whoever sent it) may retry; the poll reconciles.
        metrics_.refused(RefusalReason::database);
        log_error("callback not recorded", {{"error", e.what()}});
        return text(503, "the inbox is unavailable");
    }
    metrics_.accepted();
    log_debug("callback recorded", {{"event", hint.event_name},
                                    {"ids", std::to_string(hint.jobs.size())},
                                    {"via", std::string(via_name(hint.via))}});
    on_recorded_();
    return text(200, "recorded " + std::to_string(hint.jobs.size()) + " job ids");
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

void CallbackHandler::record(const std::string& bucket, const std::vector<std::string>& ids,
                             std::string_view via, const std::string& event)
{
    std::unique_ptr<DbSession> session = take_session();
    perform(*session, "recording a callback", [&] {
        pqxx::work txn(session->conn());
        inbox_store::record(txn, bucket, ids, via, event);
        txn.commit();
    });
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
    return std::make_unique<DbSession>(config_.database);
}

void CallbackHandler::give_session(std::unique_ptr<DbSession> session)
{
    const std::lock_guard<std::mutex> lock(sessions_mutex_);
    sessions_.push_back(std::move(session));
}

} // namespace jobsync
