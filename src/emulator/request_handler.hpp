// Routes a request to the CI endpoints (/jobs, /queue, the workflow ones) or the admin ones
// (/_emulator/...), and adds the headers every service response carries.
#pragma once

#include "emulator/callback_sender.hpp"
#include "emulator/emulator_server.hpp"
#include "emulator/fault_injector.hpp"
#include "emulator/host_check.hpp"
#include "emulator/object_cases.hpp"
#include "emulator/page_token.hpp"
#include "emulator/request_ids.hpp"
#include "emulator/request_log.hpp"
#include "emulator/signature_check.hpp"
#include "emulator/workflow_generator.hpp"
#include "http_server/http_server.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace jobsync::emulator {

using http::HttpResponse;

class RequestHandler : public http::HttpHandler {
public:
    RequestHandler(Dataset& dataset, const ServerOptions& options);

    HttpResponse handle(const HttpRequest& request) override;
    HttpResponse refuse(int status, const std::string& message) override;

    ServerStats stats() const;
    void reset_stats();
    void set_faults(const FaultOptions& faults);
    // The emulator's own clock: the machine's plus the configured skew.
    UnixSeconds emulator_now() const;
    ObjectCases& object_cases() { return object_cases_; }
    const RequestLog& request_log() const { return request_log_; }

private:
    // One request being answered: its decoded query and its request id.
    struct Exchange {
        const HttpRequest& request;
        QueryParams params;
        std::string request_id;
    };

    HttpResponse route(const Exchange& exchange);
    HttpResponse handle_jobs(const Exchange& exchange);
    HttpResponse handle_queue(const Exchange& exchange);
    HttpResponse handle_object(const Exchange& exchange, const CosHost& host);
    HttpResponse handle_workflow(const Exchange& exchange);           // workflow_endpoint.cpp
    HttpResponse handle_workflow_execution(const Exchange& exchange); // its own file too
    HttpResponse handle_batch_jobs(const Exchange& exchange);         // batch_job_endpoint.cpp
    HttpResponse handle_admin(const Exchange& exchange);
    HttpResponse admin_add_jobs(const Exchange& exchange);
    HttpResponse admin_set_faults(const Exchange& exchange);
    HttpResponse admin_finish(const Exchange& exchange);
    HttpResponse admin_notify(const Exchange& exchange);
    // WorkflowFinish callbacks for these runs, rendered from their state now.
    HttpResponse notify_runs(const Exchange& exchange, const std::vector<std::string>& run_ids,
                             CallbackFormat format);
    HttpResponse admin_set_objects(const Exchange& exchange);

    // Fills the body of a 200, or returns what the request earns instead.
    using ListingAnswer = std::function<std::optional<Rejection>(std::string& body)>;
    // Latency, signature, answer, injected faults; `answered` counts the 200s.
    HttpResponse serve_with_faults(const Exchange& exchange, const ListingAnswer& answer,
                                   std::atomic<long>& answered);
    TokenRules token_rules();

    // nullopt when signed correctly; else the 403 to send (counted).
    std::optional<HttpResponse> verify(const Exchange& exchange);
    HttpResponse error(const Exchange& exchange, int status, const std::string& code,
                       const std::string& message) const;
    HttpResponse error_with_id(const std::string& request_id, int status, const std::string& code,
                               const std::string& message) const;
    HttpResponse text(const std::string& body) const;
    void add_common_headers(HttpResponse& response, const std::string& request_id) const;

    Dataset& dataset_;
    GeneratorOptions generator_;
    Credentials credentials_;
    ApiRules rules_;
    std::string admin_token_; // "" => admin endpoints are off
    std::size_t max_jobs_;
    std::mutex add_jobs_mutex_; // the total cap holds across concurrent admin calls
    FaultInjector faults_;
    TokenStyle token_style_;
    RequestIds ids_;
    std::atomic<std::uint64_t> next_added_index_{1ULL << 40}; // beyond any generated index
    std::unique_ptr<CallbackSender> callbacks_;               // null without a callback URL
    ObjectCases object_cases_;
    WorkflowCatalog workflows_;
    RequestLog request_log_;

    std::atomic<long> requests_{0};
    std::atomic<long> jobs_requests_{0};
    std::atomic<long> workflow_requests_{0};
    std::atomic<long> rejected_signatures_{0};
    std::atomic<long> faults_injected_{0};
    std::atomic<long> head_requests_{0};
    std::atomic<long> filehash_requests_{0};
};

} // namespace jobsync::emulator
