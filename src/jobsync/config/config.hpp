// The configuration: parsed once from TOML into one validated struct.
// Run state never lives here; it lives in the database.
#pragma once

#include "jobsync/config/duration.hpp"
#include "jobsync/core/api_tags.hpp"
#include "jobsync/core/api_time.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct Credentials {
    std::string secret_id;
    std::string secret_key;
    std::string security_token; // optional; sent as x-ci-security-token
};

struct DatabaseConfig {
    std::string url;           // libpq URI or conninfo; "" => PG* environment only
    std::string schema = "ci"; // validated as a plain identifier [a-z_][a-z0-9_]*
    // Server and socket timeouts of every connection (0 => off; a value in the
    // URL wins for the libpq ones).
    long lock_timeout_seconds = 10;                    // a statement waiting for a lock
    long idle_in_transaction_timeout_seconds = 5 * 60; // a session idle inside a transaction
    long connect_timeout_seconds = 10;                 // libpq connect_timeout
    long tcp_user_timeout_seconds = 60;                // unacknowledged data: the peer is gone
    long keepalive_idle_seconds = 30;                  // an idle socket is probed after this
};

struct SourceConfig {
    std::string bucket;   // examplebucket-1250000000
    std::string region;   // ap-guangzhou
    std::string endpoint; // resolved: config value or https://<bucket>.ci.<region>.myqcloud.com
    std::string host;     // Host header derived from endpoint (authority without scheme)
    std::vector<std::string> tags;   // resolved: config value or every tag on the API page
    std::vector<std::string> queues; // empty => one partition per tag over all queues
    bool discover_queues = false;    // queues = "discover": list them with GET /queue each run
    std::string queue_type;          // queueType filter for all-queues walks; "" => none
    std::optional<UnixSeconds> start_time; // nullopt => all history
    Credentials credentials;               // resolved: per-source override, else [credentials]
    // workflows = ["<workflowId>", ...]: one runs listing each; "discover":
    // the bucket's workflows (GET /workflow) each run; absent: no runs synced.
    std::vector<std::string> workflow_ids;
    bool discover_workflows = false;
    bool batch_jobs = false; // batch_jobs = true: GET /inventorytriggerjob is walked
};

struct SyncConfig {
    int page_size = 100;                      // 1..100
    long lookback_seconds = 15 * 60;          // "15m"
    long settle_delay_seconds = 30;           // window end = now - settle_delay
    long refresh_horizon_seconds = 7 * 86400; // how far back unfinished jobs pin the window
    long connect_timeout_seconds = 10;
    long request_timeout_seconds = 60; // whole request, including body
    int max_attempts = 5;              // per request, for retryable failures
    long retry_max_seconds = 120;      // total backoff budget per request
    long max_response_bytes = 8L * 1024 * 1024;
    long token_max_age_seconds = 3600;  // an older stored NextToken is not resumed
    int concurrency = 4;                // partitions synced in parallel, 1..64
    std::string metrics_file;           // "" => none; --metrics-file overrides
    double max_requests_per_second = 0; // whole run, every partition; 0 => unlimited
    int ids_per_request = 10;           // job ids per GET /jobs/<ids>, 1..100
    long lease_seconds = 60;            // a round's claim outlives a silent worker this long
};

// [listen]: where `ci-jobsync listen` takes CI's TaskFinish/WorkflowFinish callbacks.
struct ListenConfig {
    std::string host = "127.0.0.1";
    int port = 8089;
    std::string path = "/ci/notify"; // callbacks are POSTed here; any other path: 404
    std::string token; // the ?token= CI must send; a secret (env CI_JOBSYNC_LISTEN_TOKEN,
                       // credential file listen_token)
    long max_body_bytes = 1024L * 1024; // larger bodies: 413
    // A request must arrive whole and be answered within this, however it
    // trickles in (libmicrohttpd's idle timeout alone does not bound it).
    long request_timeout_seconds = 30;
    // By-id attempts for an inbox id before it moves to inbox_dropped, 1..100.
    int max_attempts = 10;
};

constexpr long kMaxListenRequestTimeoutSeconds = 3600;

// [audit]: `ci-jobsync audit` HEADs output objects on COS (config/audit_config.cpp).
struct AuditConfig {
    std::string endpoint; // "" => https://<bucket>.cos.<region>.myqcloud.com; else every
                          // HEAD goes here with that Host (a proxy, the emulator)
    double max_requests_per_second = 50; // HEAD requests, retries included
    int concurrency = 8;                 // requests in flight
    long recheck_after_seconds = 30L * 86400;
    bool filehash = false; // opt-in: CI's billed server-side MD5 for unverifiable objects
    double filehash_requests_per_second = 5; // its own bucket of tokens
    std::string metrics_file;                // "" => none; --metrics-file overrides
};

struct Config {
    std::string path; // the file it came from, for messages
    DatabaseConfig database;
    Credentials credentials; // [credentials] after the environment overrides
    std::vector<SourceConfig> sources;
    SyncConfig sync;
    ListenConfig listen;
    AuditConfig audit;
    // The file itself holds an API secret or a database password (not just
    // their names in comments): then it should be readable by its owner only.
    bool file_holds_secret = false;
};

// Loads and validates a config file. Environment variables
// TENCENTCLOUD_SECRET_ID / _SECRET_KEY / _SECURITY_TOKEN override [credentials],
// and files secret_id, secret_key, security_token in $CREDENTIALS_DIRECTORY
// (systemd LoadCredential=) override both (credentials.hpp). Warns when a file
// holding a secret is readable by group or others, and when the file is
// writable by group or others.
// Throws ConfigError naming the file, line and key for: unreadable file, TOML
// syntax errors, unknown keys, wrong types, out-of-range values, bad durations,
// a missing [[source]], missing credentials, control characters in a secret,
// a database.url libpq would misread, plain http:// to a non-loopback host
// without allow_insecure_http. Never includes a secret's value.
// require_credentials=false is for commands that never call the API
// (migrate, status, grant-read): sources may then lack keys.
Config load_config(const std::string& path, bool require_credentials = true);

// Resolution of the config path: --config, else $CI_JOBSYNC_CONFIG, else
// /etc/ci-jobsync/config.toml.
std::string resolve_config_path(const std::string& from_command_line);

} // namespace jobsync
