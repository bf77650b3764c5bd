// The CI API on 127.0.0.1 (GET /jobs, /queue, /workflow, /workflowexecution,
// /inventorytriggerjob) with signature verification, optional injected faults and token-guarded
// admin endpoints, served by the project's HttpServer.
#pragma once

#include "emulator/api_rules.hpp"
#include "emulator/callback_sender.hpp"
#include "emulator/dataset.hpp"
#include "emulator/object_cases.hpp"
#include "emulator/request_log.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace jobsync::emulator {

struct FaultOptions {
    double server_error_rate = 0;  // 500 InternalError
    double throttle_rate = 0;      // 503 SlowDown with Retry-After: 1
    double truncate_rate = 0;      // 200 with the body cut in half
    long token_ttl_seconds = 0;    // 0 => tokens never expire; else 400 InvalidArgument after
    double token_reject_rate = 0;  // 400 InvalidArgument "nextToken expired" to a token request
    long latency_ms = 0;           // sleep before every /jobs answer
    long clock_offset_seconds = 0; // the emulator's clock is this far ahead (skew tests)
    // 403 AccessDenied to every GET /jobs/<ids>: a key granted ci:DescribeMediaJobs
    // (the list) but not ci:DescribeMediaJob (by id).
    bool refuse_by_id = false;
    // 400 InvalidArgument to a GET /jobs/<ids> naming any of these ids.
    std::vector<std::string> refused_job_ids;
    // A path prefix ("/workflowexecution") whose signed requests get 403
    // AccessDenied, as a key without that API's CAM action does; "" => none.
    std::string denied_path;
    std::uint64_t seed = 7;
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0; // 0 => an ephemeral port; see EmulatorServer::port()
    std::string secret_id = "AKIDemulator";
    std::string secret_key = "emulator-secret-key";
    std::string security_token;     // "" => none required; else every request must carry it
    ApiRules api;                   // signing, time format, Host and by-id response rules
    std::string admin_token;        // "" => the /_emulator/ endpoints are off
    std::size_t max_jobs = 1000000; // admin calls never grow the dataset past this
    unsigned threads = 8;           // HTTP polling threads (a latency fault holds one)
    unsigned max_connections = 256; // open connections at most
    FaultOptions faults;
    bool offset_tokens = false; // tokens depend only on the listing and position (page_token.hpp)
    GeneratorOptions generator; // how POST /_emulator/jobs makes jobs (seed, queues, bucket)
    CallbackOptions callback;   // url "" => finished jobs are not called back
};

struct ServerStats {
    long requests = 0;      // every request received
    long jobs_requests = 0; // GET /jobs and /jobs/<ids> answered 200
    // GET /workflow, /workflowexecution[/<RunId>], /inventorytriggerjob[/<id>] answered 200
    long workflow_requests = 0;
    // Its parts: GET /workflow, /workflowexecution, /workflowexecution/<RunId>,
    // /inventorytriggerjob, /inventorytriggerjob/<id> answered 200.
    long workflow_list_requests = 0;
    long run_list_requests = 0;
    long run_detail_requests = 0;
    long batch_list_requests = 0;
    long batch_detail_requests = 0;
    long request_log_dropped = 0; // CI requests past the request log's capacity
    long rejected_signatures = 0;
    long faults_injected = 0;
    long head_requests = 0;     // HEAD on a COS object host, every answer
    long filehash_requests = 0; // GET ?ci-process=filehash on a COS object host
    CallbackStats callbacks;    // all 0 without a callback URL
};

class EmulatorServer {
public:
    EmulatorServer(Dataset& dataset, ServerOptions options);
    ~EmulatorServer(); // stops
    EmulatorServer(const EmulatorServer&) = delete;
    EmulatorServer& operator=(const EmulatorServer&) = delete;

    void start(); // binds and serves on background threads; throws std::runtime_error
    void stop();
    int port() const;
    std::string endpoint() const; // "http://127.0.0.1:<port>"
    ServerStats stats() const;
    // The CI requests answered since the start or the last reset_stats (which clears it too).
    std::vector<LoggedRequest> request_log() const;
    void reset_stats();
    void set_faults(const FaultOptions& faults);
    // How HEADs of output objects are answered (also POST /_emulator/objects).
    ObjectCases& object_cases();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace jobsync::emulator
