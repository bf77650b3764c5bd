// What every listing endpoint (/jobs, /workflow, /workflowexecution,
// /inventorytriggerjob) does around its answer: the latency fault, the
// signature, a denied path, then an injected 500, 503 or truncation, and the count.
#include "emulator/request_handler.hpp"

#include <chrono>
#include <thread>

namespace jobsync::emulator {

TokenRules RequestHandler::token_rules()
{
    return {credentials_.secret_key, faults_.get().token_ttl_seconds, token_style_, [this] {
                const bool reject = faults_.reject_token();
                if (reject) {
                    faults_injected_.fetch_add(1);
                }
                return reject;
            }};
}

HttpResponse RequestHandler::serve_with_faults(const Exchange& exchange,
                                               const ListingAnswer& answer,
                                               std::atomic<long>& answered)
{
    const FaultOptions faults = faults_.get();
    if (faults.latency_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms));
    }
    if (auto rejected = verify(exchange)) {
        return *rejected;
    }
    if (!faults.denied_path.empty() && exchange.request.path.rfind(faults.denied_path, 0) == 0) {
        faults_injected_.fetch_add(1);
        return error(exchange, 403, "AccessDenied",
                     "Access Denied: the key is not authorized for " + exchange.request.path);
    }
    // A request the service would refuse is refused before any fault is drawn.
    HttpResponse response;
    if (const auto refused = answer(response.body)) {
        return error(exchange, refused->status, refused->code, refused->message);
    }
    const Fault fault = faults_.draw();
    if (fault == Fault::server_error) {
        faults_injected_.fetch_add(1);
        return error(exchange, 500, "InternalError",
                     "We encountered an internal error. Please try again.");
    }
    if (fault == Fault::throttle) {
        faults_injected_.fetch_add(1);
        HttpResponse throttled =
            error(exchange, 503, "SlowDown", "Please reduce your request rate.");
        throttled.headers.emplace_back("Retry-After", "1");
        return throttled;
    }
    if (fault == Fault::truncate) {
        faults_injected_.fetch_add(1);
        response.body.resize(response.body.size() / 2);
    }
    answered.fetch_add(1);
    return response;
}

} // namespace jobsync::emulator
