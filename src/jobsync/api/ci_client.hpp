// The CI API as the worker uses it: GET /jobs (a page of the list, or jobs by
// id), GET /queue, the workflow and batch-job listings, all over one signed request path with
// retries, the run's rate limiter and the stop flag. One instance per worker thread (it owns a curl
// handle); ApiClients (api_clients.hpp) makes them.
#pragma once

#include "jobsync/api/body_pool.hpp"
#include "jobsync/api/http_client.hpp"
#include "jobsync/api/id_batch.hpp"
#include "jobsync/api/jobs_by_id.hpp"
#include "jobsync/api/object_head.hpp"
#include "jobsync/api/rate_limiter.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "jobsync/parse/batch_job_page.hpp"
#include "jobsync/parse/jobs_page.hpp"
#include "jobsync/parse/workflow_pages.hpp"

#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace jobsync {

struct ListJobsQuery {
    std::string tag;
    std::string queue_id;   // "" => not sent (all queues)
    std::string queue_type; // "" => not sent
    std::optional<UnixSeconds> start_creation_time;
    std::optional<UnixSeconds> end_creation_time;
    int size = 100;
    std::string next_token;    // "" => not sent
    bool newest_first = false; // orderByTime=Desc (a slice probe's look at the window's end)
};

// The query parameters exactly as they go on the wire (raw values; encoded
// when the URL is built): orderByTime (Asc unless newest_first), states=All, size, tag, ...
QueryParams build_list_jobs_params(const ListJobsQuery& query);

// One page of a token-paged listing besides /jobs: a workflow's runs
// (GET /workflowexecution) or the bucket's batch jobs (GET /inventorytriggerjob).
// Their creation-time bounds are inclusive, sent as they are here.
struct ListingQuery {
    std::string workflow_id; // /workflowexecution only (required there)
    std::optional<UnixSeconds> start_creation_time;
    std::optional<UnixSeconds> end_creation_time;
    int size = 100;
    std::string next_token; // "" => not sent
};

// Its parameters as they go on the wire: orderByTime=Asc, size, workflowId
// when set, the bounds, nextToken.
QueryParams build_listing_params(const ListingQuery& query);

// Where one signed request goes. Every request of the worker, to the CI host
// or to an object's COS host, is one of these through CiClient::request.
struct RequestTarget {
    std::string method = "GET"; // GET or HEAD
    std::string endpoint;       // scheme://authority, no path
    std::string host;           // the Host header, signed
    std::string path;           // decoded, as signed
    std::string wire_path;      // as sent, percent-encoded; "" => path as it is
    QueryParams params;
    std::string token_header = "x-ci-security-token"; // temporary keys (COS hosts: x-cos-)
    std::vector<long> answers; // statuses handed to `accept` besides 200 (a HEAD's 403, 404)
};

struct RetryPolicy {
    int max_attempts = 5;
    long max_total_seconds = 120;
    long base_delay_ms = 200;
    long max_delay_ms = 20000;
};

struct RequestCounters {
    long requests = 0; // HTTP requests sent, including retries
    long retries = 0;
};

// Jobs asked for by id: one page per request, the ids the service does not
// know, and the ids not fetched: refused alone (HTTP 400) or never sent (not
// plain ids, see join_job_ids). Each of the latter was logged.
struct JobsById {
    // A deque: adding a page never moves the others (a JobsPage's views point
    // into its body, and a vector would copy pages when it grows).
    std::deque<JobsPage> pages;
    std::vector<std::string> non_existent_ids;
    std::vector<std::string> refused_ids;
};

// Queue discovery does not trust the server's counts: it stops with a
// PartitionError beyond these.
constexpr long kMaxQueuePages = 1000;
constexpr std::size_t kMaxDiscoveredQueues = 10000;
// Workflow discovery likewise.
constexpr long kMaxWorkflowPages = 1000;
constexpr std::size_t kMaxDiscoveredWorkflows = 10000;

class CiClient {
public:
    CiClient(const SourceConfig& source, HttpOptions http, RetryPolicy retry);

    // Every request below retries RetryableError (network, 5xx, throttling,
    // malformed body) with exponential backoff and full jitter, honouring
    // Retry-After; re-signs once with the server's Date after a clock-skew
    // refusal; throws PartitionError for other 4xx and when retries are
    // exhausted, RunError when the stop flag is raised.

    // One page of jobs.
    JobsPage list_jobs(const ListJobsQuery& query);

    // Every queue ID of the source (GET /queue, all categories, paged by page
    // number), sorted and distinct.
    std::vector<std::string> list_queues();

    // Every workflow ID of the bucket (GET /workflow, paged by page number
    // until the ids received reach TotalCount), sorted and distinct; each
    // page is handed to on_page (when set) as it arrives.
    std::vector<std::string>
    list_workflows(const std::function<void(const WorkflowPage&)>& on_page = {});

    // One page of a workflow's runs (GET /workflowexecution), oldest first.
    WorkflowRunPage list_workflow_runs(const ListingQuery& query);

    // One page of the bucket's batch jobs (GET /inventorytriggerjob), oldest first.
    BatchJobPage list_batch_jobs(const ListingQuery& query);

    // GET /jobs/<id>,<id>,... for any number of ids, in batches of
    // sync.ids_per_request. A batch refused with HTTP 400 is bisected down to
    // the ids refused alone (send_bisecting); those, and ids that cannot go
    // in a path, are skipped with a log line into refused_ids, not thrown.
    // Any other refusal (403, 404, ...) is a PartitionError as for any request.
    JobsById describe_jobs(const std::vector<std::string>& job_ids);

    // GET /workflowexecution/<RunId> (the id part of the signed path): the
    // run with its tasks in records, or no record when the service does not
    // know it (no WorkflowExecution; its id in nonexistent_ids). An id that
    // is not letters, digits, '-' and '_' is refused with a PartitionError
    // naming it, unsent; 403, 404 and the rest as for any request.
    WorkflowRunPage describe_workflow_run(const std::string& run_id);

    // Gives a page the caller is done with back, so a later response is
    // received into its memory. Safe while a list_jobs runs on another thread.
    void recycle(JobsPage&& page) { bodies_.give(page.release_body()); }

    const RequestCounters& counters() const { return counters_; }
    // Once `stop` is stopped, requests, limiter waits and backoffs end with RunError.
    void set_stop(StopToken stop);
    // Every attempt, retries included, takes a token from the run's limiter.
    void set_rate_limiter(RateLimiter* limiter) { limiter_ = limiter; }
    // Ids one by-id request asks for (sync.ids_per_request).
    void set_ids_per_request(int ids) { ids_per_request_ = ids < 1 ? 1 : ids; }
    int id_batch_size() const { return ids_per_request_; }
    // The buckets refused by-id requests in this run, shared by the run's
    // clients; else the client's own.
    void set_by_id_refusals(ByIdRefusals* refusals) { by_id_refusals_ = refusals; }
    ByIdRefusals& by_id_refusals() { return *by_id_refusals_; }

    // HEAD of an output object on its COS host (object_head.hpp), signed with
    // this source's keys. 200, 403 and 404 are answers; 5xx and throttling are
    // retried; anything else is a PartitionError.
    ObjectHead head_object(const ObjectAddress& object, const std::string& endpoint);
    // CI's server-side MD5 of an object (GET /<key>?ci-process=filehash&type=md5
    // on the COS host; billed, objects under 128 MB).
    std::string object_md5(const ObjectAddress& object, const std::string& endpoint);

    // For tests: replaces sleeping between retries.
    void set_sleeper(std::function<void(long ms)> sleeper) { sleeper_ = std::move(sleeper); }

private:
    // The one request path: a signed request of the target with retries.
    // `accept` turns the 200 response (or one of target.answers) into the
    // caller's result; it may throw RetryableError (retried like a 5xx) or
    // PartitionError. `what` names the request in errors and logs.
    void request(const RequestTarget& target, const std::string& what,
                 const std::function<void(HttpResponse&)>& accept);
    // A request to this source's CI endpoint.
    RequestTarget ci_target(std::string path, QueryParams params = {}) const;
    // Host, Authorization (and the token header) for one request.
    std::vector<std::string> signed_headers(const RequestTarget& target) const;
    long backoff_ms(int attempt, long retry_after_seconds);
    void learn_clock_offset(const HttpResponse& response);
    // One GET /jobs/<ids>, its answer added to `result`.
    void describe_batch(const std::vector<std::string>& batch, JobsById& result);
    void pause(long delay_ms); // backoff sleep; throws RunError when aborted

    const SourceConfig& source_;
    HttpClient http_;
    RetryPolicy retry_;
    RequestCounters counters_;
    long clock_offset_seconds_ = 0; // learned from a RequestTimeTooSkewed response's Date
    StopToken stop_;
    RateLimiter* limiter_ = nullptr;
    int ids_per_request_ = SyncConfig{}.ids_per_request;
    ByIdRefusals own_by_id_refusals_;
    ByIdRefusals* by_id_refusals_ = &own_by_id_refusals_;
    std::function<void(long ms)> sleeper_;
    std::mt19937_64 jitter_; // seeded once: std::random_device opens /dev/urandom
    BodyPool bodies_;        // recycled page bodies
};

} // namespace jobsync
