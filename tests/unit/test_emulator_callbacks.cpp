// The emulator calls back a listener when jobs finish: TaskFinish bodies in
// XML and JSON that the worker's callback parser reads, sent over loopback
// from background threads, counted in /_emulator/stats; WorkflowFinish
// bodies for runs on request.
#include "emulator/callback_body.hpp"
#include "emulator/callback_sender.hpp"
#include "emulator/loopback_post.hpp"
#include "emulator/workflow_generator.hpp"
#include "http_server/http_server.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/listen/callback_parser.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

namespace {

// A listener that records every request and answers with a chosen status.
class Recorder : public http::HttpHandler {
public:
    explicit Recorder(int status = 200, int delay_ms = 0) : status_(status), delay_ms_(delay_ms)
    {
        server_.start();
    }
    http::HttpResponse handle(const http::HttpRequest& request) override
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(request);
        }
        http::HttpResponse response;
        response.status = status_;
        response.body = "ok";
        return response;
    }
    http::HttpResponse refuse(int status, const std::string& message) override
    {
        http::HttpResponse response;
        response.status = status;
        response.body = message;
        return response;
    }
    std::vector<http::HttpRequest> requests()
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }
    std::string url(const std::string& target = "/ci/notify?token=t0ken") const
    {
        return server_.endpoint() + target;
    }

private:
    int status_;
    int delay_ms_;
    std::mutex mutex_;
    std::vector<http::HttpRequest> requests_;
    http::HttpServer server_{{}, *this};
};

ServerOptions with_callback(const std::string& url, CallbackFormat format = CallbackFormat::xml)
{
    ServerOptions options;
    options.callback.url = url;
    options.callback.format = format;
    options.callback.timeout_ms = 2000;
    return options;
}

// Waits until the sender has answered for `count` callbacks, at most 10 s.
CallbackStats wait_for_callbacks(const EmulatorServer& server, long count)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    CallbackStats stats = server.stats().callbacks;
    while (stats.sent + stats.failed < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stats = server.stats().callbacks;
    }
    return stats;
}

// Puts the first `count` jobs back to Running (no callback: not terminal); their ids.
std::vector<std::string> make_running(Dataset& dataset, std::size_t count)
{
    std::vector<std::string> ids;
    for (JobSpec job : dataset.specs()) {
        if (ids.size() == count) {
            break;
        }
        job.state = "Running";
        job.end_time.reset();
        dataset.add(job);
        ids.push_back(job.job_id);
    }
    return ids;
}

} // namespace

TEST_CASE("emulator callbacks: only a loopback URL with a port is accepted")
{
    const LoopbackUrl url = parse_loopback_url("http://127.0.0.1:8089/ci/notify?token=abc");
    CHECK(url.host == "127.0.0.1");
    CHECK(url.port == 8089);
    CHECK(url.target == "/ci/notify?token=abc");
    CHECK(parse_loopback_url("http://127.0.0.2:1").target == "/");
    CHECK(parse_loopback_url("http://127.0.0.1:9?token=x").target == "/?token=x");
    for (const char* bad :
         {"https://127.0.0.1:8089/ci", "http://10.0.0.1:8089/ci", "http://example.com:80/ci",
          "http://localhost:8089/ci", "http://127.0.0.1/ci", "http://127.0.0.1:0/ci",
          "http://127.0.0.1:70000/", "http://[::1]:8089/ci", "http://127.0.0.1:80/a b"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_loopback_url(bad), std::invalid_argument);
    }
    CHECK_THROWS_WITH(parse_loopback_url("http://192.168.1.5:80/?token=secret"),
                      Catch::Contains("192.168.1.5") && !Catch::Contains("secret"));
}

TEST_CASE("emulator callbacks: TaskFinish bodies in XML and JSON carry the served JobsDetail")
{
    Dataset dataset;
    for (JobSpec& job : generate_jobs(small_options(40))) {
        dataset.add(std::move(job));
    }
    for (const JobSpec& job : dataset.specs()) {
        const std::string detail = *dataset.detail_xml(job.job_id);
        const std::string xml = task_finish_body(detail, CallbackFormat::xml);
        CHECK(xml == "<Response><EventName>TaskFinish</EventName>" + detail + "</Response>");
        const std::string json = task_finish_body(detail, CallbackFormat::json);
        const auto parsed = nlohmann::json::parse(json);
        CHECK(parsed["EventName"] == "TaskFinish");
        CHECK(parsed["JobsDetail"]["JobId"] == job.job_id);
        CHECK(parsed["JobsDetail"]["State"] == job.state);
        CHECK(parsed["JobsDetail"]["Input"]["BucketId"] == job.input_bucket);
        for (const std::string& body : {xml, json}) {
            const CallbackHint hint = parse_callback(body); // the listener's own parser
            REQUIRE(hint.jobs.size() == 1);
            CHECK(hint.jobs.front().job_id == job.job_id);
            CHECK(hint.jobs.front().bucket == job.input_bucket);
        }
        // Every output file's MD5 survives the conversion.
        for (const OutputFileSpec& file : job.output_files) {
            CHECK_THAT(json, Catch::Contains("\"Md5\":\"" + file.md5 + "\""));
        }
    }
}

TEST_CASE("emulator callbacks: repeated elements become a JSON array, entities decoded")
{
    const std::string detail = "<JobsDetail><JobId>j1</JobId><Tag>A&amp;B</Tag><List><Item>1</Item>"
                               "<Item>2</Item><Item>3</Item></List><Empty></Empty></JobsDetail>";
    const auto parsed = nlohmann::json::parse(task_finish_body(detail, CallbackFormat::json));
    CHECK(parsed["JobsDetail"]["Tag"] == "A&B");
    CHECK(parsed["JobsDetail"]["List"]["Item"] == nlohmann::json::array({"1", "2", "3"}));
    CHECK(parsed["JobsDetail"]["Empty"] == "");
    CHECK_THROWS_AS(task_finish_body("<Other/>", CallbackFormat::json), std::invalid_argument);
    CHECK_THROWS_AS(task_finish_body("<JobsDetail>", CallbackFormat::json), std::invalid_argument);
    CHECK_THROWS_AS(parse_callback_format("yaml"), std::invalid_argument);
}

TEST_CASE("emulator callbacks: finishing jobs calls back each one, and notify on demand")
{
    Recorder receiver;
    ServerFixture fixture(60, {}, with_callback(receiver.url()));
    // The generated unfinished jobs first, so only the ones made below are counted.
    wait_for_callbacks(*fixture.server,
                       long(fixture.dataset.finish_unfinished(now_unix_seconds())));
    fixture.server->reset_stats();
    const std::vector<std::string> unfinished = make_running(fixture.dataset, 12);
    REQUIRE(wait_for_callbacks(*fixture.server, 0).sent == 0);
    const std::size_t before = receiver.requests().size();

    // One id first, then the rest.
    Reply reply = admin(fixture.port, "POST", "/_emulator/finish?ids=" + unfinished.front());
    CHECK(reply.body == "1\n");
    CHECK(wait_for_callbacks(*fixture.server, 1).sent == 1);
    reply = admin(fixture.port, "POST", "/_emulator/finish");
    CHECK(reply.body == std::to_string(unfinished.size() - 1) + "\n");
    const CallbackStats stats = wait_for_callbacks(*fixture.server, long(unfinished.size()));
    CHECK(stats.sent == long(unfinished.size()));
    CHECK(stats.failed == 0);

    const std::vector<http::HttpRequest> all = receiver.requests();
    const std::vector<http::HttpRequest> requests(all.begin() + long(before), all.end());
    REQUIRE(requests.size() == unfinished.size());
    std::set<std::string> called;
    for (const http::HttpRequest& request : requests) {
        CHECK(request.method == "POST");
        CHECK(request.path == "/ci/notify");
        CHECK(request.query == "token=t0ken");
        CHECK(request.header("content-type") == std::string("application/xml"));
        const CallbackHint hint = parse_callback(request.body);
        CHECK(hint.via == CallbackVia::xml);
        called.insert(hint.jobs.front().job_id);
        CHECK_THAT(request.body, Catch::Contains("<State>Success</State>"));
    }
    CHECK(called == std::set<std::string>(unfinished.begin(), unfinished.end()));

    // On demand, in JSON.
    reply = admin(fixture.port, "POST",
                  "/_emulator/notify?format=json&ids=" + unfinished[0] + "," + unfinished[1]);
    CHECK(reply.body == "2\n");
    CHECK(wait_for_callbacks(*fixture.server, long(unfinished.size()) + 2).sent ==
          long(unfinished.size()) + 2);
    const auto after = receiver.requests();
    REQUIRE(after.size() == before + unfinished.size() + 2);
    for (std::size_t i = before + unfinished.size(); i < after.size(); ++i) {
        CHECK(after[i].header("content-type") == std::string("application/json"));
        CHECK(parse_callback(after[i].body).via == CallbackVia::json);
    }
    reply = admin(fixture.port, "GET", "/_emulator/stats");
    CHECK_THAT(reply.body,
               Catch::Contains(" callbacks_sent=" + std::to_string(unfinished.size() + 2) +
                               " callbacks_failed=0 callbacks_dropped=0"));

    // Everything finished since a time: at least the jobs just finished.
    reply = admin(fixture.port, "POST", "/_emulator/notify?finished_since=2000-01-01T00:00:00Z");
    CHECK(reply.status == 200);
    CHECK(std::stoul(reply.body) >= unfinished.size());

    CHECK(admin(fixture.port, "POST", "/_emulator/notify?ids=jnosuchjob").status == 400);
    CHECK(admin(fixture.port, "POST", "/_emulator/notify").status == 400);
    CHECK(admin(fixture.port, "POST", "/_emulator/notify?ids=" + unfinished[0] + "&format=yaml")
              .status == 400);
    CHECK(admin(fixture.port, "GET", "/_emulator/notify?ids=" + unfinished[0]).status == 405);
}

TEST_CASE("emulator callbacks: a job replaced by a finished one is called back")
{
    Recorder receiver;
    ServerFixture fixture(30, {}, with_callback(receiver.url(), CallbackFormat::json));
    const std::vector<std::string> unfinished = make_running(fixture.dataset, 1);
    JobSpec job = *fixture.dataset.find(unfinished.front());
    job.state = "Failed";
    fixture.dataset.add(job); // terminal now: called back
    fixture.dataset.add(job); // already terminal: not again
    CHECK(wait_for_callbacks(*fixture.server, 1).sent == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 1);
    CHECK(nlohmann::json::parse(requests.front().body)["JobsDetail"]["State"] == "Failed");
}

TEST_CASE("emulator callbacks: refusals, a closed port and a slow listener count as failed; "
          "the admin call returns at once")
{
    SECTION("a 403 answer")
    {
        Recorder receiver(403);
        ServerFixture fixture(30, {}, with_callback(receiver.url()));
        const std::vector<std::string> ids = make_running(fixture.dataset, 5);
        const std::size_t count = ids.size();
        admin(fixture.port, "POST",
              "/_emulator/finish?ids=" + ids[0] + "," + ids[1] + "," + ids[2] + "," + ids[3] + "," +
                  ids[4]);
        const CallbackStats stats = wait_for_callbacks(*fixture.server, long(count));
        CHECK(stats.failed == long(count));
        CHECK(stats.sent == 0);
    }
    SECTION("nobody listening")
    {
        int closed_port = 0;
        {
            Recorder gone;
            closed_port = parse_loopback_url(gone.url()).port;
        }
        ServerFixture fixture(
            10, {}, with_callback("http://127.0.0.1:" + std::to_string(closed_port) + "/x"));
        const std::string id = fixture.dataset.specs().front().job_id;
        CHECK(admin(fixture.port, "POST", "/_emulator/notify?ids=" + id).status == 200);
        CHECK(wait_for_callbacks(*fixture.server, 1).failed == 1);
    }
    SECTION("a listener slower than the timeout")
    {
        Recorder slow(200, 1500);
        const LoopbackUrl url = parse_loopback_url(slow.url());
        // The answer comes after 1.5 s: a 200 ms timeout gives up first.
        CHECK_THROWS_WITH(post_to_loopback(url, "application/xml", "<Response/>", 200),
                          Catch::Contains("timed out"));
        CHECK(post_to_loopback(url, "application/xml", "<Response/>", 5000) == 200);
    }
    SECTION("without a callback URL, notify is refused")
    {
        ServerFixture fixture(5);
        const std::string id = fixture.dataset.specs().front().job_id;
        const Reply reply = admin(fixture.port, "POST", "/_emulator/notify?ids=" + id);
        CHECK(reply.status == 400);
        CHECK_THAT(reply.body, Catch::Contains("--callback-url"));
    }
}

TEST_CASE("emulator callbacks: notify?runs= sends each run's WorkflowFinish in XML and JSON, "
          "read by the worker's parser as the run and its task jobs")
{
    Recorder receiver;
    ServerFixture fixture(240, {}, with_callback(receiver.url()));
    const WorkflowData data =
        derive_workflow_data(fixture.generator, fixture.dataset.workflow_specs());
    const auto several = std::find_if(data.runs.begin(), data.runs.end(),
                                      [](const RunSpec& run) { return run.tasks.size() > 1; });
    REQUIRE(several != data.runs.end());
    const RunSpec& run = *several;
    const RunSpec& other =
        data.runs.front().run_id != run.run_id ? data.runs.front() : data.runs.back();

    Reply reply = admin(fixture.port, "POST", "/_emulator/notify?runs=" + run.run_id);
    CHECK(reply.body == "1\n");
    reply = admin(fixture.port, "POST",
                  "/_emulator/notify?format=json&runs=" + run.run_id + "," + other.run_id);
    CHECK(reply.body == "2\n");
    CHECK(wait_for_callbacks(*fixture.server, 3).sent == 3);
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 3);
    for (const http::HttpRequest& request : requests) {
        INFO(request.body);
        const CallbackHint hint = parse_callback(request.body);
        CHECK(hint.event_name == "WorkflowFinish");
        REQUIRE(hint.run);
        CHECK(hint.run->bucket == fixture.generator.bucket);
        const RunSpec& sent = hint.run->run_id == run.run_id ? run : other;
        CHECK(hint.run->run_id == sent.run_id);
        REQUIRE(hint.jobs.size() == sent.tasks.size());
        for (std::size_t i = 0; i < sent.tasks.size(); ++i) {
            CHECK(hint.jobs[i].job_id == sent.tasks[i].job_id);
        }
    }
    CHECK(requests[0].header("content-type") == std::string("application/xml"));
    // The WorkflowFinish sample's time spelling: a space for the 'T'.
    CHECK_THAT(requests[0].body, Catch::Matches(".*<CreateTime>\\d{4}-\\d\\d-\\d\\d "
                                                "\\d\\d:\\d\\d:\\d\\d\\+0800</CreateTime>.*"));
    CHECK(requests[1].header("content-type") == std::string("application/json"));
    const nlohmann::json json = nlohmann::json::parse(requests[1].body);
    CHECK(json["WorkflowExecution"]["Tasks"]["Task"].is_array());

    CHECK(admin(fixture.port, "POST", "/_emulator/notify?runs=inosuchrun").status == 400);
    CHECK(admin(fixture.port, "POST", "/_emulator/notify?runs=" + run.run_id + "&ids=x").status ==
          400);
}
