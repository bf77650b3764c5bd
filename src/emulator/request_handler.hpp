// Routes a request to the CI endpoints (/jobs, /queue) or the admin ones
// (/_emulator/...), and adds the headers every service response carries.
#pragma once

#include "emulator/emulator_server.hpp"
#include "emulator/fault_injector.hpp"
#include "emulator/http_connection.hpp"
#include "emulator/page_token.hpp"
#include "emulator/request_ids.hpp"
#include "emulator/signature_check.hpp"

#include <atomic>

namespace jobsync::emulator {

class RequestHandler : public ConnectionHandler {
public:
    RequestHandler(Dataset& dataset, const ServerOptions& options);

    HttpResponse handle(const HttpRequest& request) override;
    HttpResponse protocol_error(int status, const std::string& message) override;

    ServerStats stats() const;
    void reset_stats();
    void set_faults(const FaultOptions& faults);
    // The emulator's own clock: the machine's plus the configured skew.
    UnixSeconds emulator_now() const;

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
    HttpResponse handle_admin(const Exchange& exchange);
    HttpResponse admin_add_jobs(const Exchange& exchange);
    HttpResponse admin_set_faults(const Exchange& exchange);

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
    FaultInjector faults_;
    TokenStyle token_style_;
    RequestIds ids_;
    std::atomic<std::uint64_t> next_added_index_{1ULL << 40}; // beyond any generated index

    std::atomic<long> requests_{0};
    std::atomic<long> jobs_requests_{0};
    std::atomic<long> rejected_signatures_{0};
    std::atomic<long> faults_injected_{0};
};

} // namespace jobsync::emulator
