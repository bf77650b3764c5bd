// /_emulator/... endpoints for scripts and process-level tests: no
// signature; the admin token, from loopback only (admin_guard.hpp).
#include "emulator/admin_guard.hpp"
#include "emulator/query_params.hpp"
#include "emulator/request_handler.hpp"
#include "emulator/run_execution.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace jobsync::emulator {
namespace {

constexpr unsigned long kMaxAddedJobs = 100000; // per call

bool parse_count(const std::string& text, unsigned long& value)
{
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    value = std::stoul(text);
    return true;
}

// A signed number of seconds within a year: a clock offset.
bool parse_offset(const std::string& text, long& value)
{
    const bool negative = !text.empty() && text.front() == '-';
    unsigned long magnitude = 0;
    if (!parse_count(text.substr(negative ? 1 : 0), magnitude) || magnitude > 366UL * 86400) {
        return false;
    }
    value = negative ? -static_cast<long>(magnitude) : static_cast<long>(magnitude);
    return true;
}

bool parse_rate(const std::string& text, double& value)
{
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size() && value >= 0 && value <= 1;
}

std::string describe(const FaultOptions& faults)
{
    char text[256];
    std::snprintf(text, sizeof text,
                  "server_error_rate=%g throttle_rate=%g truncate_rate=%g token_ttl_seconds=%ld "
                  "latency_ms=%ld clock_offset_seconds=%ld refuse_by_id=%d refused_job_ids=%zu",
                  faults.server_error_rate, faults.throttle_rate, faults.truncate_rate,
                  faults.token_ttl_seconds, faults.latency_ms, faults.clock_offset_seconds,
                  faults.refuse_by_id ? 1 : 0, faults.refused_job_ids.size());
    return faults.denied_path.empty() ? std::string(text)
                                      : std::string(text) + " denied_path=" + faults.denied_path;
}

} // namespace

HttpResponse RequestHandler::handle_admin(const Exchange& exchange)
{
    const HttpRequest& request = exchange.request;
    if (const auto rejection = check_admin_access(request, admin_token_)) {
        return error(exchange, rejection->status, rejection->code, rejection->message);
    }
    const std::string& path = request.path;
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (path == "/_emulator/stats") {
        if (!get) {
            return error(exchange, 405, "MethodNotAllowed", "use GET");
        }
        const ServerStats s = stats();
        return text("requests=" + std::to_string(s.requests) +
                    " jobs_requests=" + std::to_string(s.jobs_requests) +
                    " workflow_requests=" + std::to_string(s.workflow_requests) +
                    " workflow_list_requests=" + std::to_string(s.workflow_list_requests) +
                    " run_list_requests=" + std::to_string(s.run_list_requests) +
                    " run_detail_requests=" + std::to_string(s.run_detail_requests) +
                    " batch_list_requests=" + std::to_string(s.batch_list_requests) +
                    " batch_detail_requests=" + std::to_string(s.batch_detail_requests) +
                    " rejected_signatures=" + std::to_string(s.rejected_signatures) +
                    " faults_injected=" + std::to_string(s.faults_injected) +
                    " head_requests=" + std::to_string(s.head_requests) +
                    " filehash_requests=" + std::to_string(s.filehash_requests) +
                    " jobs=" + std::to_string(dataset_.size()) +
                    " callbacks_sent=" + std::to_string(s.callbacks.sent) +
                    " callbacks_failed=" + std::to_string(s.callbacks.failed) +
                    " callbacks_dropped=" + std::to_string(s.callbacks.dropped) +
                    " request_log_dropped=" + std::to_string(s.request_log_dropped));
    }
    if (path != "/_emulator/jobs" && path != "/_emulator/finish" && path != "/_emulator/faults" &&
        path != "/_emulator/notify" && path != "/_emulator/objects") {
        return error(exchange, 404, "NoSuchKey", "no such admin endpoint: " + path);
    }
    if (!post) {
        return error(exchange, 405, "MethodNotAllowed", "use POST");
    }
    if (path == "/_emulator/jobs") {
        return admin_add_jobs(exchange);
    }
    if (path == "/_emulator/finish") {
        return admin_finish(exchange);
    }
    if (path == "/_emulator/notify") {
        return admin_notify(exchange);
    }
    if (path == "/_emulator/objects") {
        return admin_set_objects(exchange);
    }
    return admin_set_faults(exchange);
}

// Every unfinished generated job, or those of ids=a,b,..., or the jobs of the
// workflow runs runs=a,b,... (their other tasks end with them): each finished
// job is called back when a callback URL is set.
HttpResponse RequestHandler::admin_finish(const Exchange& exchange)
{
    const UnixSeconds now = now_unix_seconds();
    if (const std::string* runs = find_param(exchange.params, "runs")) {
        std::vector<std::string> job_ids;
        for (const std::string& run_id : split_list(*runs, ',')) {
            job_ids.push_back(job_id_of_run(run_id));
        }
        return text(std::to_string(dataset_.finish_jobs(job_ids, now)));
    }
    if (const std::string* ids = find_param(exchange.params, "ids")) {
        return text(std::to_string(dataset_.finish_jobs(split_list(*ids, ','), now)));
    }
    return text(std::to_string(dataset_.finish_unfinished(now)));
}

// Queues a TaskFinish callback for ids=a,b,... or for every job finished at
// or after finished_since=TIME, or a WorkflowFinish callback for each of the
// runs=a,b,... (their state now, whatever it is), in format=xml|json
// (default: --callback-format).
HttpResponse RequestHandler::admin_notify(const Exchange& exchange)
{
    if (!callbacks_) {
        return error(exchange, 400, "InvalidArgument",
                     "no callback URL: start the emulator with --callback-url");
    }
    CallbackFormat format = callbacks_->default_format();
    if (const std::string* text = find_param(exchange.params, "format")) {
        try {
            format = parse_callback_format(*text);
        } catch (const std::invalid_argument& e) {
            return error(exchange, 400, "InvalidArgument", e.what());
        }
    }
    const std::string* ids_text = find_param(exchange.params, "ids");
    const std::string* since_text = find_param(exchange.params, "finished_since");
    const std::string* runs_text = find_param(exchange.params, "runs");
    if ((ids_text != nullptr) + (since_text != nullptr) + (runs_text != nullptr) != 1) {
        return error(exchange, 400, "InvalidArgument",
                     "give exactly one of ids=a,b,..., finished_since=TIME and runs=a,b,...");
    }
    if (runs_text != nullptr) {
        return notify_runs(exchange, split_list(*runs_text, ','), format);
    }
    std::vector<std::string> ids;
    if (ids_text != nullptr) {
        ids = split_list(*ids_text, ',');
        for (const std::string& id : ids) {
            if (!dataset_.detail_xml(id)) {
                return error(exchange, 400, "InvalidArgument", "no such job: " + id);
            }
        }
    } else {
        const auto since = parse_api_time(*since_text);
        if (!since) {
            return error(exchange, 400, "InvalidArgument",
                         "invalid finished_since: " + *since_text);
        }
        ids = dataset_.finished_since(*since);
    }
    const std::size_t queued = callbacks_->enqueue(ids, format);
    if (queued < ids.size()) {
        return error(exchange, 503, "SlowDown",
                     "callback queue full: " + std::to_string(ids.size() - queued) + " of " +
                         std::to_string(ids.size()) + " dropped");
    }
    return text(std::to_string(queued));
}

HttpResponse RequestHandler::notify_runs(const Exchange& exchange,
                                         const std::vector<std::string>& run_ids,
                                         CallbackFormat format)
{
    const std::shared_ptr<const WorkflowData> data = workflows_.current();
    std::vector<std::pair<std::string, std::string>> runs;
    for (const std::string& run_id : run_ids) {
        const auto found = std::find_if(data->runs.begin(), data->runs.end(),
                                        [&](const RunSpec& run) { return run.run_id == run_id; });
        if (found == data->runs.end()) {
            return error(exchange, 400, "InvalidArgument", "no such workflow run: " + run_id);
        }
        runs.emplace_back(
            run_id, workflow_execution_xml(*found, generator_.bucket, ExecutionShape::callback));
    }
    const std::size_t queued = callbacks_->enqueue_runs(runs, format);
    if (queued < runs.size()) {
        return error(exchange, 503, "SlowDown",
                     "callback queue full: " + std::to_string(runs.size() - queued) + " of " +
                         std::to_string(runs.size()) + " dropped");
    }
    return text(std::to_string(queued));
}

HttpResponse RequestHandler::admin_add_jobs(const Exchange& exchange)
{
    unsigned long count = 1;
    if (const std::string* text = find_param(exchange.params, "count")) {
        if (!parse_count(*text, count) || count > kMaxAddedJobs) {
            return error(exchange, 400, "InvalidArgument",
                         "count must be 0.." + std::to_string(kMaxAddedJobs));
        }
    }
    std::string tag = generator_.tags.empty() ? "Transcode" : generator_.tags.front();
    if (const std::string* text = find_param(exchange.params, "tag"); text && !text->empty()) {
        tag = *text;
    }
    UnixSeconds creation_time = now_unix_seconds() - 5;
    if (const std::string* text = find_param(exchange.params, "creation_time");
        text && !text->empty()) {
        const auto parsed = parse_api_time(*text);
        if (!parsed) {
            return error(exchange, 400, "InvalidArgument", "invalid creation_time: " + *text);
        }
        creation_time = *parsed;
    }
    // workflow=<id>: every job added is the first task of a new run of that workflow.
    const std::string* workflow = find_param(exchange.params, "workflow");
    if (workflow != nullptr && !workflow->empty()) {
        const std::shared_ptr<const WorkflowData> data = workflows_.current();
        if (std::none_of(
                data->workflows.begin(), data->workflows.end(),
                [&](const WorkflowSpec& known) { return known.workflow_id == *workflow; })) {
            return error(exchange, 400, "InvalidArgument", "no such workflow: " + *workflow);
        }
    }
    std::lock_guard<std::mutex> lock(add_jobs_mutex_);
    if (dataset_.size() + count > max_jobs_) {
        return error(exchange, 403, "QuotaExceeded",
                     "adding " + std::to_string(count) + " jobs to " +
                         std::to_string(dataset_.size()) + " would pass --max-jobs " +
                         std::to_string(max_jobs_));
    }
    for (unsigned long i = 0; i < count; ++i) {
        JobSpec job;
        do { // skip ids a dataset shared with another server already holds
            job = generate_job(generator_, next_added_index_.fetch_add(1), tag, creation_time);
        } while (dataset_.find(job.job_id));
        if (workflow != nullptr && !workflow->empty()) {
            job.workflow_id = *workflow;
        }
        dataset_.add(std::move(job));
    }
    return text(std::to_string(count));
}

// How HEADs of output objects are answered: case=<kind> (object_cases.hpp)
// for each key=K of bucket=B (times=N answers for unavailable), case=none to
// serve them normally again, case=forbidden without a key for the whole
// bucket, case=reset to forget every case.
HttpResponse RequestHandler::admin_set_objects(const Exchange& exchange)
{
    const std::string* name = find_param(exchange.params, "case");
    const std::string* bucket = find_param(exchange.params, "bucket");
    if (name != nullptr && *name == "reset") {
        object_cases_.clear_all();
        return text("reset");
    }
    const auto kind = name == nullptr ? std::nullopt : object_case_kind(*name);
    if (bucket == nullptr || bucket->empty() || name == nullptr || (!kind && *name != "none")) {
        return error(exchange, 400, "InvalidArgument",
                     "give bucket=B and case=missing|mismatch|multipart|multipart_md5|forbidden|"
                     "unavailable|none (or case=reset), and key=K for each object");
    }
    unsigned long times = 1;
    if (const std::string* text = find_param(exchange.params, "times")) {
        if (!parse_count(*text, times)) {
            return error(exchange, 400, "InvalidArgument", "times must be a count");
        }
    }
    long keys = 0;
    for (const auto& [param, key] : exchange.params) {
        if (param != "key") {
            continue;
        }
        ++keys;
        if (kind) {
            object_cases_.set(*bucket, key, {*kind, static_cast<long>(times)});
        } else {
            object_cases_.clear(*bucket, key);
        }
    }
    if (keys == 0 && kind == ObjectCaseKind::forbidden) {
        object_cases_.forbid_bucket(*bucket);
    } else if (keys == 0) {
        return error(exchange, 400, "InvalidArgument", "no key=K given");
    }
    return text(std::to_string(keys));
}

HttpResponse RequestHandler::admin_set_faults(const Exchange& exchange)
{
    FaultOptions faults = faults_.get();
    for (const auto& [name, value] : exchange.params) {
        bool ok = true;
        unsigned long number = 0;
        if (name == "server_error_rate") {
            ok = parse_rate(value, faults.server_error_rate);
        } else if (name == "throttle_rate") {
            ok = parse_rate(value, faults.throttle_rate);
        } else if (name == "truncate_rate") {
            ok = parse_rate(value, faults.truncate_rate);
        } else if (name == "refuse_by_id") {
            ok = value == "0" || value == "1";
            faults.refuse_by_id = value == "1";
        } else if (name == "refused_job_ids") { // a,b,...; empty: none
            faults.refused_job_ids = split_list(value, ',');
        } else if (name == "denied_path") {
            ok = value.empty() || value[0] == '/';
            faults.denied_path = value;
        } else if (name == "clock_offset_seconds") {
            ok = parse_offset(value, faults.clock_offset_seconds);
        } else if (name == "token_ttl_seconds" || name == "latency_ms" || name == "seed") {
            ok = parse_count(value, number);
            if (name == "token_ttl_seconds") {
                faults.token_ttl_seconds = static_cast<long>(number);
            } else if (name == "latency_ms") {
                faults.latency_ms = static_cast<long>(number);
            } else {
                faults.seed = number;
            }
        } else {
            ok = false;
        }
        if (!ok) {
            return error(exchange, 400, "InvalidArgument", "invalid fault setting: " + name);
        }
    }
    faults_.set(faults);
    return text(describe(faults));
}

} // namespace jobsync::emulator
