// `listen` with two buckets whose by-id requests fail for one of them (403:
// its key lacks ci:DescribeMediaJob): the other bucket's callbacks are written
// at once instead of waiting behind the failing batch; the failing ids back
// off and, after [listen] max_attempts, move to inbox_dropped with a log line
// naming bucket and ids, a metric and a `status` line.
#include "support/callback_support.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

using namespace testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "backoff-listen-token-0123456789";
const std::vector<std::string> kTags{"Transcode", "Snapshot"};
const std::string kDeniedBucket = "deniedbucket-1250000001";

std::string quoted_ids(const std::vector<std::string>& ids)
{
    std::string text;
    for (const std::string& id : ids) {
        text += (text.empty() ? "'" : ", '") + id + "'";
    }
    return text;
}

} // namespace

TEST_CASE("listen: one bucket's refused by-id batch backs off and is dropped; the other "
          "bucket's callbacks are not held up")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture served(generated_jobs(20, 301, kTags));
    jobsync::emulator::GeneratorOptions denied_jobs = generated_jobs(10, 302, kTags);
    denied_jobs.bucket = kDeniedBucket;
    EmulatorFixture denied(denied_jobs);

    ConfigSpec served_spec = spec_for(served);
    const int port = free_loopback_port();
    served_spec.sync_extra =
        "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\nmax_attempts = 3\n";
    ConfigSpec denied_spec = spec_for(denied);
    denied_spec.bucket = kDeniedBucket;
    denied_spec.own_credentials = true; // a key the service refuses: 403 to every by-id request
    denied_spec.secret_key = "a-key-without-describe-media-job";
    std::string config_path;
    load_test_config(db, {served_spec, denied_spec}, &config_path);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    ChildProcess listen(JOBSYNC_BINARY, {"--config", config_path, "listen"},
                        {{"CI_JOBSYNC_LISTEN_TOKEN", kToken}});
    wait_until_healthy(base);
    const std::string notify = base + "/ci/notify?token=" + kToken;

    // The denied bucket's callbacks come first: the oldest rows of the inbox.
    std::vector<std::string> denied_ids;
    for (const auto& job : denied.dataset.specs()) {
        REQUIRE(http_request("POST", notify, task_finish_xml(job.job_id, kDeniedBucket)).status ==
                200);
        denied_ids.push_back(job.job_id);
    }
    std::vector<std::string> served_ids;
    for (const auto& job : served.dataset.specs()) {
        REQUIRE(http_request("POST", notify, task_finish_xml(job.job_id, served.generator.bucket))
                    .status == 200);
        served_ids.push_back(job.job_id);
    }

    // The served bucket's jobs land although the denied batch is older.
    CHECK(eventually(db,
                     "SELECT count(*) FROM jobs WHERE job_id IN (" + quoted_ids(served_ids) + ")",
                     std::to_string(served_ids.size())));
    // The denied ids are retried with a back-off, then given up on, kept visible.
    CHECK(eventually(db,
                     "SELECT count(*) FROM inbox_dropped WHERE bucket = '" + kDeniedBucket +
                         "' AND attempts = 3 AND last_error LIKE '%403%'",
                     std::to_string(denied_ids.size())));
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id IN (" + quoted_ids(denied_ids) + ")") ==
          "0");
    const HttpAnswer metrics = http_request("GET", base + "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_ids_dropped_total " +
                                             std::to_string(denied_ids.size())));
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_ids_fetched_total " +
                                             std::to_string(served_ids.size())));

    const ProcessResult status = run_jobsync({"--config", config_path, "status"});
    CHECK_THAT(status.output, Catch::Contains(std::to_string(denied_ids.size()) +
                                              " given up after failed fetches (inbox_dropped)"));

    listen.send_signal(SIGTERM);
    const ProcessResult stopped = listen.wait();
    INFO(stopped.output);
    CHECK(stopped.exit_code == 0);
    CHECK_THAT(stopped.output,
               Catch::Contains("inbox batch not fetched; retried after a back-off"));
    CHECK_THAT(stopped.output,
               Catch::Contains("inbox job ids dropped after failed by-id attempts"));
    CHECK_THAT(stopped.output, Catch::Contains(kDeniedBucket));
    for (const std::string& id : denied_ids) {
        CHECK_THAT(stopped.output, Catch::Contains(id));
    }
    CHECK(stopped.output.find(kToken) == std::string::npos);
}

TEST_CASE("sync: the inbox pass tries each row once, back-off or not, and counts the attempt")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture served(generated_jobs(10, 303, kTags));
    ConfigSpec spec = spec_for(served);
    spec.sync_extra = "max_attempts = 1\n\n[listen]\nmax_attempts = 2\n";
    const jobsync::Config config = load_test_config(db, spec);
    const std::string id = served.dataset.specs().front().job_id;
    const std::string bucket = served.generator.bucket;
    // A row backed off far into the future (as a listener would leave it).
    db.scalar("INSERT INTO inbox (bucket, job_id, via, event_name, attempts, next_attempt_at) "
              "VALUES ('" +
              bucket + "', '" + id + "', 'xml', 'TaskFinish', 1, now() + '1 day')");

    jobsync::emulator::FaultOptions failing;
    failing.server_error_rate = 1.0;
    served.server->set_faults(failing);
    sync_once(config); // one attempt, failed: the second of max_attempts = 2 drops it
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(db.scalar("SELECT attempts FROM inbox_dropped WHERE job_id = '" + id + "'") == "2");

    // A later callback of the same job that is written out clears the dropped row.
    served.server->set_faults({});
    db.scalar("INSERT INTO inbox (bucket, job_id, via, event_name) VALUES ('" + bucket + "', '" +
              id + "', 'xml', 'TaskFinish')");
    sync_once(config);
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(db.scalar("SELECT count(*) FROM inbox_dropped") == "0");
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id = '" + id + "'") == "1");
}

TEST_CASE("sync: an inbox id the service refuses alone (400) backs off; its batch-mates are "
          "written")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture served(generated_jobs(10, 304, kTags));
    ConfigSpec spec = spec_for(served);
    spec.sync_extra = "\n[listen]\nmax_attempts = 2\n";
    const jobsync::Config config = load_test_config(db, spec);
    const std::string bucket = served.generator.bucket;
    std::vector<std::string> ids;
    for (const auto& job : served.dataset.specs()) {
        ids.push_back(job.job_id);
    }
    REQUIRE(ids.size() >= 3);
    const std::string refused = ids[1];
    for (const std::string& id : {ids[0], ids[1], ids[2]}) {
        db.scalar("INSERT INTO inbox (bucket, job_id, via, event_name) VALUES ('" + bucket +
                  "', '" + id + "', 'xml', 'TaskFinish')");
    }
    jobsync::emulator::FaultOptions faults;
    faults.refused_job_ids = {refused};
    served.server->set_faults(faults);

    // The sync's own walk writes every job; what is checked here is the inbox.
    sync_once(config);
    CHECK(db.scalar("SELECT string_agg(job_id, ',') FROM inbox") == refused);
    CHECK(db.scalar("SELECT attempts FROM inbox WHERE job_id = '" + refused + "'") == "1");
    sync_once(config); // the second of max_attempts = 2: moved to inbox_dropped
    CHECK(db.scalar("SELECT count(*) FROM inbox") == "0");
    CHECK(db.scalar("SELECT job_id FROM inbox_dropped") == refused);
}
