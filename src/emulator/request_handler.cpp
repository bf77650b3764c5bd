#include "emulator/request_handler.hpp"

#include "emulator/query_params.hpp"
#include "emulator/xml_escape.hpp"

namespace jobsync::emulator {

RequestHandler::RequestHandler(Dataset& dataset, const ServerOptions& options)
    : dataset_(dataset),
      generator_(options.generator), credentials_{options.secret_id, options.secret_key,
                                                  options.security_token},
      rules_(options.api), admin_token_(options.admin_token), max_jobs_(options.max_jobs),
      faults_(options.faults),
      token_style_(options.offset_tokens ? TokenStyle::offset : TokenStyle::sealed),
      callbacks_(options.callback.url.empty()
                     ? nullptr
                     : std::make_unique<CallbackSender>(dataset, options.callback)),
      workflows_(dataset, options.generator)
{
}

HttpResponse RequestHandler::handle(const HttpRequest& request)
{
    requests_.fetch_add(1);
    const Exchange exchange{request, parse_query(request.query), ids_.next_request_id()};
    HttpResponse response = route(exchange);
    if (request.path.rfind("/_emulator/", 0) != 0 && request.method != "HEAD" &&
        request_kind(request.path) != RequestKind::other) {
        request_log_.record(response.status, request.path, request.query);
    }
    add_common_headers(response, exchange.request_id);
    return response;
}

HttpResponse RequestHandler::route(const Exchange& exchange)
{
    const std::string& path = exchange.request.path;
    if (path.rfind("/_emulator/", 0) == 0) {
        return handle_admin(exchange);
    }
    // COS requests: a HEAD, or CI's ?ci-process= on an object; anything else
    // on a COS host is judged as a CI request (wrong host: 403 with --bucket).
    const bool object_request =
        exchange.request.method == "HEAD" || find_param(exchange.params, "ci-process") != nullptr;
    if (const auto cos = cos_host_of(exchange.request); cos && object_request) {
        return handle_object(exchange, *cos);
    }
    const bool jobs = path == "/jobs" || path.rfind("/jobs/", 0) == 0; // list, or by id
    const bool runs = path == "/workflowexecution" || path.rfind("/workflowexecution/", 0) == 0;
    const bool batch =
        path == "/inventorytriggerjob" || path.rfind("/inventorytriggerjob/", 0) == 0;
    if (!jobs && !runs && !batch && path != "/queue" && path != "/workflow") {
        return error(exchange, 404, "NoSuchKey", "The specified resource does not exist.");
    }
    if (exchange.request.method != "GET") {
        return error(exchange, 405, "MethodNotAllowed",
                     "The specified method is not allowed against this resource.");
    }
    if (runs || batch || path == "/workflow") {
        return runs    ? handle_workflow_execution(exchange)
               : batch ? handle_batch_jobs(exchange)
                       : handle_workflow(exchange);
    }
    return jobs ? handle_jobs(exchange) : handle_queue(exchange);
}

HttpResponse RequestHandler::refuse(int status, const std::string& message)
{
    requests_.fetch_add(1);
    const std::string request_id = ids_.next_request_id();
    HttpResponse response = error_with_id(
        request_id, status, status == 413 ? "EntityTooLarge" : "InvalidRequest", message);
    add_common_headers(response, request_id);
    return response;
}

std::optional<HttpResponse> RequestHandler::verify(const Exchange& exchange)
{
    if (const auto wrong_host = check_host(exchange.request, rules_)) {
        return error(exchange, wrong_host->status, wrong_host->code, wrong_host->message);
    }
    const auto rejection =
        check_signature(exchange.request, exchange.params, credentials_, rules_, emulator_now());
    if (!rejection) {
        return std::nullopt;
    }
    rejected_signatures_.fetch_add(1);
    return error(exchange, rejection->status, rejection->code, rejection->message);
}

HttpResponse RequestHandler::error(const Exchange& exchange, int status, const std::string& code,
                                   const std::string& message) const
{
    return error_with_id(exchange.request_id, status, code, message);
}

HttpResponse RequestHandler::error_with_id(const std::string& request_id, int status,
                                           const std::string& code,
                                           const std::string& message) const
{
    const std::string trace_id = ids_.trace_id_for(request_id);
    HttpResponse response;
    response.status = status;
    response.body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>";
    append_element(response.body, "Code", code);
    append_element(response.body, "Message", message);
    append_element(response.body, "RequestId", request_id);
    append_element(response.body, "TraceId", trace_id);
    response.body += "</Error>";
    response.headers.emplace_back("x-ci-trace-id", trace_id);
    return response;
}

HttpResponse RequestHandler::text(const std::string& body) const
{
    HttpResponse response;
    response.content_type = "text/plain; charset=utf-8";
    response.body = body + "\n";
    return response;
}

void RequestHandler::add_common_headers(HttpResponse& response, const std::string& request_id) const
{
    response.headers.emplace(response.headers.begin(), "x-ci-request-id", request_id);
    response.headers.emplace(response.headers.begin(), "Server", "tencent-ci");
    response.headers.emplace(response.headers.begin(), "Date", format_http_date(emulator_now()));
}

UnixSeconds RequestHandler::emulator_now() const
{
    return now_unix_seconds() + faults_.get().clock_offset_seconds;
}

ServerStats RequestHandler::stats() const
{
    ServerStats stats;
    stats.requests = requests_.load();
    stats.jobs_requests = jobs_requests_.load();
    stats.workflow_requests = workflow_requests_.load();
    stats.workflow_list_requests = request_log_.answered(RequestKind::workflow_list);
    stats.run_list_requests = request_log_.answered(RequestKind::run_list);
    stats.run_detail_requests = request_log_.answered(RequestKind::run_detail);
    stats.batch_list_requests = request_log_.answered(RequestKind::batch_list);
    stats.batch_detail_requests = request_log_.answered(RequestKind::batch_detail);
    stats.request_log_dropped = request_log_.dropped();
    stats.rejected_signatures = rejected_signatures_.load();
    stats.faults_injected = faults_injected_.load();
    stats.head_requests = head_requests_.load();
    stats.filehash_requests = filehash_requests_.load();
    if (callbacks_) {
        stats.callbacks = callbacks_->stats();
    }
    return stats;
}

void RequestHandler::reset_stats()
{
    requests_ = 0;
    jobs_requests_ = 0;
    workflow_requests_ = 0;
    rejected_signatures_ = 0;
    faults_injected_ = 0;
    head_requests_ = 0;
    filehash_requests_ = 0;
    request_log_.clear();
    if (callbacks_) {
        callbacks_->reset_stats();
    }
}

void RequestHandler::set_faults(const FaultOptions& faults)
{
    faults_.set(faults);
}

} // namespace jobsync::emulator
