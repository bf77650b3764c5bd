// `listen` against hostile and awkward callers: 100 wrong-token connections
// trickling 1 MiB bodies are answered from their headers (memory stays
// bounded, a valid callback meanwhile is answered and stored); a request still
// arriving at [listen] request_timeout is cut; a token holding '+' matches as
// written in the URL; a callback naming a configured and an unconfigured
// bucket records the configured one's ids; callback jobs outside the
// configured tags, queues and start_time are written (the documented choice).
#include "jobsync/core/api_time.hpp"
#include "support/callback_support.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

using namespace testing;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "edges-listen-token-0123456789";
const std::vector<std::string> kTags{"Transcode", "Snapshot"};

// `ci-jobsync listen` as a child process, with the token from the environment.
class ListenChild {
public:
    ListenChild(const TempDatabase& db, ConfigSpec spec, const std::string& listen_extra = "",
                const std::string& token = kToken)
        : port_(free_loopback_port())
    {
        spec.sync_extra +=
            "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port_) + "\"\n" + listen_extra;
        load_test_config(db, spec, &config_path_);
        start(token);
    }
    // From a config text written by the caller (its [listen] address set to port()).
    ListenChild(const std::string& config_text, int port) : port_(port)
    {
        config_path_ = write_temp_file(config_text);
        start(kToken);
    }
    ProcessResult stop()
    {
        process_->send_signal(SIGTERM);
        return process_->wait();
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string notify(const std::string& token = kToken) const
    {
        return base() + "/ci/notify?token=" + token;
    }
    int port() const { return port_; }
    pid_t pid() const { return process_->pid(); }
    const std::string& config_path() const { return config_path_; }

private:
    void start(const std::string& token)
    {
        process_ = std::make_unique<ChildProcess>(
            JOBSYNC_BINARY, std::vector<std::string>{"--config", config_path_, "listen"},
            std::map<std::string, std::string>{{"CI_JOBSYNC_LISTEN_TOKEN", token}});
        wait_until_healthy(base());
        REQUIRE(http_request("GET", base() + "/healthz").status == 200);
    }

    int port_;
    std::string config_path_;
    std::unique_ptr<ChildProcess> process_;
};

// Resident memory of a process, in bytes, from /proc.
long resident_bytes(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6)) * 1024;
        }
    }
    FAIL("no VmRSS for pid " << pid);
    return 0;
}

// A connection to 127.0.0.1:port from another loopback address, so that the
// per-address connection limit is not what stops the slow clients.
int connect_from(const std::string& source, int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, source.c_str(), &local.sin_addr) == 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<std::uint16_t>(port));
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0);
    return fd;
}

// Sends what the socket takes now; false once the server has closed it.
bool send_some(int fd, const char* data, std::size_t size, std::size_t& sent)
{
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
        sent += static_cast<std::size_t>(n);
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::string metric_line(const std::string& metrics, const std::string& name)
{
    const std::size_t at = metrics.find("\n" + name + " ");
    return at == std::string::npos ? ""
                                   : metrics.substr(at + 1, metrics.find('\n', at + 1) - at - 1);
}

} // namespace

TEST_CASE("listen: 100 wrong-token connections trickling 1 MiB bodies keep memory bounded and "
          "do not lock out a valid callback")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 401, kTags));
    ListenChild listen(db, spec_for(emulator));
    const std::string bucket = emulator.generator.bucket;
    const auto jobs = emulator.dataset.specs();

    // Warm: a database session, the API client, the first allocations.
    REQUIRE(http_request("POST", listen.notify(), task_finish_xml(jobs[0].job_id, bucket)).status ==
            200);
    REQUIRE(eventually(db, "SELECT count(*) FROM jobs", "1"));
    const long baseline = resident_bytes(listen.pid());

    constexpr int kSlow = 100;
    constexpr std::size_t kDeclared = 1024 * 1024;    // [listen] max_body_bytes, the default
    constexpr std::size_t kPushed = kDeclared - 4096; // the rest is trickled
    const std::string head = "POST /ci/notify?token=wrong-token-0123456789abc HTTP/1.1\r\n"
                             "Host: listener\r\nContent-Type: application/xml\r\n"
                             "Content-Length: " +
                             std::to_string(kDeclared) + "\r\n\r\n";
    std::vector<int> fds;
    for (int i = 0; i < kSlow; ++i) {
        const int fd = connect_from(i % 2 == 0 ? "127.0.0.2" : "127.0.0.3", listen.port());
        std::size_t sent = 0;
        REQUIRE(send_some(fd, head.data(), head.size(), sent));
        REQUIRE(sent == head.size());
        fds.push_back(fd);
    }
    const std::string chunk(64 * 1024, ' ');
    std::vector<std::size_t> pushed(kSlow, 0);
    std::vector<bool> open(kSlow, true);
    long peak = baseline;
    const auto push_deadline = Clock::now() + std::chrono::seconds(120);
    for (bool pending = true; pending && Clock::now() < push_deadline;) {
        pending = false;
        for (int i = 0; i < kSlow; ++i) {
            if (open[i] && pushed[i] < kPushed) {
                open[i] = send_some(fds[i], chunk.data(),
                                    std::min(chunk.size(), kPushed - pushed[i]), pushed[i]);
                pending = pending || (open[i] && pushed[i] < kPushed);
            }
        }
        peak = std::max(peak, resident_bytes(listen.pid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    // A valid callback while the slow ones are still open (and trickling).
    const HttpAnswer valid =
        http_request("POST", listen.notify(), task_finish_xml(jobs[1].job_id, bucket));
    CHECK(valid.status == 200);
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < kSlow; ++i) {
            std::size_t ignored = 0;
            open[i] = open[i] && send_some(fds[i], " ", 1, ignored);
        }
        peak = std::max(peak, resident_bytes(listen.pid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(eventually(db, "SELECT count(*) FROM jobs WHERE job_id = '" + jobs[1].job_id + "'", "1"));
    INFO("resident: " << baseline / 1024 << " KiB at the start, " << peak / 1024
                      << " KiB at the peak");
    CHECK(peak - baseline < 64L * 1024 * 1024);

    // Each was refused on its headers.
    std::string refused;
    for (int i = 0; i < 600; ++i) {
        refused = metric_line(http_request("GET", listen.base() + "/metrics").body,
                              "ci_jobsync_listen_callbacks_refused_total{reason=\"token\"}");
        if (refused == "ci_jobsync_listen_callbacks_refused_total{reason=\"token\"} 100") {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(refused == "ci_jobsync_listen_callbacks_refused_total{reason=\"token\"} 100");
    for (const int fd : fds) {
        close(fd);
    }
    CHECK(listen.stop().exit_code == 0);
}

TEST_CASE("listen: a request still arriving at [listen] request_timeout is cut")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 402, kTags));
    ListenChild listen(db, spec_for(emulator), "request_timeout = \"2s\"\n");

    // The right token, a body trickled a byte every 50 ms: the idle timeout
    // never fires, the request deadline does.
    const int fd = connect_from("127.0.0.1", listen.port());
    const std::string head = "POST /ci/notify?token=" + kToken +
                             " HTTP/1.1\r\nHost: listener\r\nContent-Length: 100000\r\n\r\n";
    std::size_t sent = 0;
    REQUIRE(send_some(fd, head.data(), head.size(), sent));
    bool closed = false;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!closed && Clock::now() < deadline) {
        std::size_t ignored = 0;
        closed = !send_some(fd, "<", 1, ignored);
        pollfd readable{fd, POLLIN, 0};
        if (!closed && poll(&readable, 1, 50) > 0) {
            char byte;
            const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
            closed = n == 0 || (n < 0 && errno != EAGAIN);
        }
    }
    close(fd);
    CHECK(closed);
    const std::string id = emulator.dataset.specs().front().job_id;
    CHECK(http_request("POST", listen.notify(), task_finish_xml(id, emulator.generator.bucket))
              .status == 200);
    CHECK(eventually(db, "SELECT count(*) FROM jobs WHERE job_id = '" + id + "'", "1"));
    CHECK(listen.stop().exit_code == 0);
}

TEST_CASE("listen: a token holding '+' matches written as '+' or %2B in the URL")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 403, kTags));
    const std::string token = "plus+token+for+tests+0123456789";
    ListenChild listen(db, spec_for(emulator), "", token);
    const auto jobs = emulator.dataset.specs();
    const std::string bucket = emulator.generator.bucket;

    CHECK(http_request("POST", listen.notify(token), task_finish_xml(jobs[0].job_id, bucket))
              .status == 200);
    CHECK(http_request("POST", listen.notify("plus%2Btoken%2Bfor%2Btests%2B0123456789"),
                       task_finish_xml(jobs[1].job_id, bucket))
              .status == 200);
    CHECK(http_request("POST", listen.notify("plus%20token%20for%20tests%200123456789"),
                       task_finish_xml(jobs[2].job_id, bucket))
              .status == 403);
    CHECK(eventually(db,
                     "SELECT count(*) FROM jobs WHERE job_id IN ('" + jobs[0].job_id + "', '" +
                         jobs[1].job_id + "')",
                     "2"));
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE job_id = '" + jobs[2].job_id + "'") == "0");
    const ProcessResult stopped = listen.stop();
    CHECK(stopped.exit_code == 0);
    CHECK(stopped.output.find(token) == std::string::npos);
}

TEST_CASE("listen: a callback naming a configured and an unconfigured bucket records the "
          "configured one's ids")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(10, 404, kTags));
    ListenChild listen(db, spec_for(emulator));
    const std::string id = emulator.dataset.specs().front().job_id;
    const std::string stranger = "jstrangerbucketjob000000000000000";
    const std::string body =
        "<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>" + id +
        "</JobId><Input><BucketId>" + emulator.generator.bucket +
        "</BucketId></Input></JobsDetail><JobsDetail><JobId>" + stranger +
        "</JobId><Input><BucketId>otherbucket-1250000009</BucketId></Input></JobsDetail>"
        "</Response>";
    const HttpAnswer answer = http_request("POST", listen.notify(), body);
    CHECK(answer.status == 200);
    CHECK_THAT(answer.body, Catch::Contains("recorded 1 job ids; ignored 1"));
    CHECK(eventually(db, "SELECT count(*) FROM jobs WHERE job_id = '" + id + "'", "1"));
    CHECK(db.scalar("SELECT count(*) FROM inbox WHERE job_id = '" + stranger + "'") == "0");
    const HttpAnswer metrics = http_request("GET", listen.base() + "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_ids_ignored_total 1"));
    CHECK_THAT(metrics.body, Catch::Contains("ci_jobsync_listen_callbacks_accepted_total 1"));
    const ProcessResult stopped = listen.stop();
    CHECK(stopped.exit_code == 0);
    CHECK_THAT(stopped.output, Catch::Contains("callback job ids ignored") &&
                                   Catch::Contains("otherbucket-1250000009"));
}

TEST_CASE("listen: callback jobs outside the configured tags, queues and start_time are "
          "written; sync's walk does not see them")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    EmulatorFixture emulator(generated_jobs(40, 405, kTags));
    const auto jobs = emulator.dataset.specs();
    const std::vector<std::string>& queues = emulator.generator.queues;
    jobsync::UnixSeconds newest = 0;
    for (const auto& job : jobs) {
        newest = std::max(newest, job.creation_time);
    }
    const auto find = [&](const std::string& tag, const std::string& queue) {
        for (const auto& job : jobs) {
            if (job.tag == tag && job.queue_id == queue) {
                return job.job_id;
            }
        }
        FAIL("no " << tag << " job in queue " << queue);
        return std::string();
    };
    const std::string other_tag = find("Snapshot", queues[0]);
    const std::string other_queue = find("Transcode", queues[1]);
    const std::string before_start = find("Transcode", queues[0]); // every job is before it

    ConfigSpec spec = spec_for(emulator);
    spec.tags = {"Transcode"};
    spec.queues = {queues[0]};
    const int port = free_loopback_port();
    spec.sync_extra = "\n[listen]\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
    std::string text = config_text(db, spec);
    const std::string endpoint_line = "endpoint = \"" + spec.endpoint + "\"\n";
    text.replace(text.find(endpoint_line), endpoint_line.size(),
                 endpoint_line + "start_time = " + jobsync::format_iso_utc(newest + 3600) + "\n");
    ListenChild listen(text, port);

    const jobsync::Config config = jobsync::load_config(listen.config_path());
    REQUIRE(config.sources.front().start_time == newest + 3600);
    sync_once(config);
    REQUIRE(db.scalar("SELECT count(*) FROM jobs") == "0"); // nothing in the walk's scope

    for (const std::string& id : {other_tag, other_queue, before_start}) {
        CHECK(http_request("POST", listen.notify(), task_finish_xml(id, emulator.generator.bucket))
                  .status == 200);
    }
    CHECK(eventually(db,
                     "SELECT count(*) FROM jobs WHERE job_id IN ('" + other_tag + "', '" +
                         other_queue + "', '" + before_start + "')",
                     "3"));
    sync_once(config); // the walk leaves them alone
    CHECK(db.scalar("SELECT count(*) FROM jobs") == "3");
    CHECK(listen.stop().exit_code == 0);
}
