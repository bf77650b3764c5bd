// The CI emulator: generated data, rendering, selection, and the HTTP server
// spoken to over loopback with real signed requests.
#include "emulator/dataset.hpp"
#include "emulator/emulator_server.hpp"
#include "emulator/job_spec.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/api_time.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "jobsync/core/url_encode.hpp"
#include "jobsync/parse/jobs_page.hpp"

#include <catch2/catch.hpp>
#include <rapidxml.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace jobsync;
using namespace jobsync::emulator;

namespace {

// ---- XML helpers -----------------------------------------------------------

// Parses a copy of text; throws rapidxml::parse_error when it is not well-formed.
struct ParsedXml {
    explicit ParsedXml(const std::string& text) : buffer(text.begin(), text.end())
    {
        buffer.push_back('\0');
        document.parse<0>(buffer.data());
    }
    std::vector<char> buffer;
    rapidxml::xml_document<char> document;
};

std::string child_text(const rapidxml::xml_node<char>* node, const char* name)
{
    const auto* child = node ? node->first_node(name) : nullptr;
    return child ? std::string(child->value(), child->value_size()) : std::string();
}

bool is_well_formed(const std::string& text)
{
    try {
        ParsedXml parsed(text);
        return parsed.document.first_node() != nullptr;
    } catch (const rapidxml::parse_error&) {
        return false;
    }
}

// ---- a tiny blocking HTTP client --------------------------------------------

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers; // lowercase names
    std::string body;
    std::string header(const std::string& name) const
    {
        const auto found = headers.find(name);
        return found == headers.end() ? "" : found->second;
    }
};

int connect_to(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

void send_text(int fd, const std::string& text)
{
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        REQUIRE(n > 0);
        sent += static_cast<std::size_t>(n);
    }
}

// Reads one response (Content-Length framed) from fd; `pending` keeps bytes
// that arrived beyond it.
Reply read_reply(int fd, std::string& pending)
{
    char chunk[8192];
    std::size_t head_end;
    while ((head_end = pending.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        REQUIRE(n > 0);
        pending.append(chunk, static_cast<std::size_t>(n));
    }
    Reply reply;
    const std::string head = pending.substr(0, head_end);
    pending.erase(0, head_end + 4);
    reply.status = std::atoi(head.substr(9, 3).c_str());
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        const std::size_t end = head.find("\r\n", pos + 2);
        const std::string line = head.substr(pos + 2, end - pos - 2);
        const std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        reply.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        pos = end;
    }
    const std::size_t length = std::stoul(reply.header("content-length"));
    while (pending.size() < length) {
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        REQUIRE(n > 0);
        pending.append(chunk, static_cast<std::size_t>(n));
    }
    reply.body = pending.substr(0, length);
    pending.erase(0, length);
    return reply;
}

Reply round_trip(int port, const std::string& request)
{
    const int fd = connect_to(port);
    send_text(fd, request);
    std::string pending;
    Reply reply = read_reply(fd, pending);
    close(fd);
    return reply;
}

std::string encode_query(const QueryParams& params)
{
    std::string query;
    for (const auto& [name, value] : params) {
        query += (query.empty() ? "" : "&") + url_encode(name) + "=" + url_encode(value);
    }
    return query;
}

struct SignOptions {
    std::string secret_id = "AKIDemulator";
    std::string secret_key = "emulator-secret-key";
    std::string key_time; // "" => now-60 .. now+3600
};

std::string host_of(int port)
{
    return "127.0.0.1:" + std::to_string(port);
}

std::string default_key_time()
{
    const UnixSeconds now = now_unix_seconds();
    return std::to_string(now - 60) + ";" + std::to_string(now + 3600);
}

std::string signed_request(int port, const std::string& path, const QueryParams& params,
                           const SignOptions& sign = {}, const std::string& extra_headers = "")
{
    SigningRequest request{"GET", path, params, {{"Host", host_of(port)}}};
    const std::string key_time = sign.key_time.empty() ? default_key_time() : sign.key_time;
    const std::string authorization =
        sign_request(request, sign.secret_id, sign.secret_key, key_time);
    const std::string query = encode_query(params);
    return "GET " + path + (query.empty() ? "" : "?" + query) +
           " HTTP/1.1\r\nHost: " + host_of(port) + "\r\nAuthorization: " + authorization + "\r\n" +
           extra_headers + "Connection: close\r\n\r\n";
}

Reply signed_get(int port, const std::string& path, const QueryParams& params,
                 const SignOptions& sign = {})
{
    return round_trip(port, signed_request(port, path, params, sign));
}

Reply admin(int port, const std::string& method, const std::string& target)
{
    return round_trip(port, method + " " + target + " HTTP/1.1\r\nHost: " + host_of(port) +
                                "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

struct JobsReply {
    std::vector<std::string> ids;
    std::string next_token;
    std::size_t details = 0; // JobsDetail elements, empty ones included
};

JobsReply parse_jobs(const std::string& body)
{
    ParsedXml parsed(body);
    const auto* root = parsed.document.first_node("Response");
    REQUIRE(root != nullptr);
    REQUIRE(root->first_node("NextToken") != nullptr);
    JobsReply reply;
    reply.next_token = child_text(root, "NextToken");
    for (auto* n = root->first_node("JobsDetail"); n; n = n->next_sibling("JobsDetail")) {
        ++reply.details;
        if (n->first_node("JobId")) {
            reply.ids.push_back(child_text(n, "JobId"));
        }
    }
    return reply;
}

std::string error_code(const Reply& reply)
{
    ParsedXml parsed(reply.body);
    return child_text(parsed.document.first_node("Error"), "Code");
}

std::string error_message(const Reply& reply)
{
    ParsedXml parsed(reply.body);
    return child_text(parsed.document.first_node("Error"), "Message");
}

// ---- fixtures ----------------------------------------------------------------

GeneratorOptions small_options(std::size_t count = 300)
{
    GeneratorOptions options;
    options.count = count;
    options.seed = 20240101;
    return options;
}

struct ServerFixture {
    explicit ServerFixture(std::size_t count = 240, FaultOptions faults = {})
    {
        generator = small_options(count);
        for (JobSpec& job : generate_jobs(generator)) {
            dataset.add(std::move(job));
        }
        ServerOptions options;
        options.faults = faults;
        options.generator = generator;
        server = std::make_unique<EmulatorServer>(dataset, options);
        server->start();
        port = server->port();
    }

    GeneratorOptions generator;
    Dataset dataset;
    std::unique_ptr<EmulatorServer> server;
    int port = 0;
};

std::vector<std::string> ids_of(const std::vector<StoredJob>& jobs)
{
    std::vector<std::string> ids;
    for (const StoredJob& job : jobs) {
        ids.push_back(job.job_id);
    }
    return ids;
}

// Every id the server lists for these filters, page by page.
std::vector<std::string> list_all(int port, QueryParams params, std::size_t* pages = nullptr)
{
    std::vector<std::string> ids;
    std::string token;
    std::size_t count = 0;
    do {
        QueryParams page = params;
        if (!token.empty()) {
            page.emplace_back("nextToken", token);
        }
        const Reply reply = signed_get(port, "/jobs", page);
        REQUIRE(reply.status == 200);
        const JobsReply jobs = parse_jobs(reply.body);
        ids.insert(ids.end(), jobs.ids.begin(), jobs.ids.end());
        token = jobs.next_token;
        REQUIRE(++count < 1000);
    } while (!token.empty());
    if (pages) {
        *pages = count;
    }
    return ids;
}

JobSpec sample_job()
{
    JobSpec job;
    job.job_id = "j0123456789abcdef0123456789abcdef";
    job.tag = "Transcode";
    job.state = "Running";
    job.code = "Success";
    job.progress = 30;
    job.creation_time = 1656314592; // 2022-06-27T15:23:12+0800
    job.start_time = job.creation_time + 1;
    job.queue_id = "p2242ab62c7c94486915508540933a2c6";
    job.input_bucket = "test-123456789";
    job.input_region = "ap-chongqing";
    job.input_object = "input/Tom & Jerry <1>.mp4";
    job.template_id = "t1460606b9752148c4ab182f55163ba7cd";
    job.watermark_template_ids = {"t1a", "t1b"};
    job.output_bucket = "test-123456789";
    job.output_region = "ap-chongqing";
    job.output_object = "output/out.mp4";
    job.user_data = "a<b & \"c\" > d";
    return job;
}

} // namespace

// ---- generation and rendering --------------------------------------------------

TEST_CASE("emulator: generation is deterministic and ids are unique")
{
    const GeneratorOptions options = small_options(2000);
    const auto first = generate_jobs(options);
    const auto second = generate_jobs(options);
    REQUIRE(first.size() == 2000);
    std::set<std::string> ids;
    std::size_t shared_seconds = 0;
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(render_job_xml(first[i]) == render_job_xml(second[i]));
        ids.insert(first[i].job_id);
        CHECK(first[i].job_id.size() == 33);
        if (i > 0) {
            REQUIRE(first[i].creation_time >= first[i - 1].creation_time);
            shared_seconds += first[i].creation_time == first[i - 1].creation_time ? 1 : 0;
        }
    }
    CHECK(ids.size() == first.size());
    CHECK(first.front().creation_time == options.first_creation_time);
    CHECK(shared_seconds > 100);
    CHECK(shared_seconds < 400);
    const double mean_gap =
        static_cast<double>(first.back().creation_time - first.front().creation_time) / 1999.0;
    CHECK(mean_gap > 25);
    CHECK(mean_gap < 35);

    // generate_job reproduces any one job; other seeds give other ids.
    const JobSpec again = generate_job(options, 1234, first[1234].tag, first[1234].creation_time);
    CHECK(render_job_xml(again) == render_job_xml(first[1234]));
    GeneratorOptions other = options;
    other.seed = 7;
    CHECK(generate_jobs(other).front().job_id != first.front().job_id);
}

TEST_CASE("emulator: generated jobs have the service's variety")
{
    const auto jobs = generate_jobs(small_options(2000));
    std::map<std::string, int> states;
    std::set<std::string> tags;
    std::set<std::string> queues;
    int special_objects = 0;
    int two_audio = 0;
    int subtitles = 0;
    int two_outputs = 0;
    int several_watermarks = 0;
    int workflows = 0;
    int escaped_user_data = 0;
    for (const JobSpec& job : jobs) {
        ++states[job.state];
        tags.insert(job.tag);
        queues.insert(job.queue_id);
        CHECK_FALSE(job.watermark_template_ids.empty());
        several_watermarks += job.watermark_template_ids.size() > 1 ? 1 : 0;
        workflows += job.workflow_id.empty() ? 0 : 1;
        escaped_user_data += job.user_data.find_first_of("<&") != std::string::npos ? 1 : 0;
        special_objects += job.input_object.find_first_of(" &\xe7") != std::string::npos ? 1 : 0;
        if (job.state == "Success") {
            CHECK(job.progress == 100);
            CHECK(job.end_time.has_value());
            REQUIRE_FALSE(job.format_fields.empty());
            REQUIRE_FALSE(job.output_files.empty());
            CHECK(job.output_files[0].md5.size() == 32);
            const auto audio = std::count_if(job.streams.begin(), job.streams.end(),
                                             [](const StreamSpec& s) { return s.kind == "audio"; });
            two_audio += audio == 2 ? 1 : 0;
            subtitles += std::any_of(job.streams.begin(), job.streams.end(),
                                     [](const StreamSpec& s) { return s.kind == "subtitle"; });
            two_outputs += job.output_files.size() == 2 ? 1 : 0;
        } else {
            CHECK(job.format_fields.empty());
            CHECK(job.output_files.empty());
        }
        if (job.state == "Failed") {
            CHECK(job.code != "Success");
            CHECK_FALSE(job.message.empty());
        }
        if (job.state == "Running") {
            CHECK(job.progress >= 1);
            CHECK(job.progress <= 99);
            CHECK(job.start_time.has_value());
            CHECK_FALSE(job.end_time.has_value());
        }
        if (job.state == "Submitted") {
            CHECK(job.progress == 0);
            CHECK_FALSE(job.start_time.has_value());
        }
    }
    // Only the newest 3% (60 jobs) can be unfinished, about 30% of them.
    CHECK(states["Success"] > 1700);
    CHECK(states["Success"] < 1900);
    CHECK(states["Failed"] > 80);
    CHECK(states["Running"] + states["Submitted"] > 5);
    CHECK(states["Running"] + states["Submitted"] < 40);
    CHECK(tags.size() == 4);
    CHECK(queues.size() == 2);
    CHECK(special_objects > 200);
    CHECK(two_audio > 50);
    CHECK(subtitles > 50);
    CHECK(two_outputs > 50);
    CHECK(several_watermarks > 200);
    CHECK(workflows > 100);
    CHECK(escaped_user_data > 50);
}

TEST_CASE("emulator: render_job_xml is well-formed, ordered and escaped")
{
    for (const JobSpec& job : generate_jobs(small_options(400))) {
        INFO(job.job_id);
        REQUIRE(is_well_formed(render_job_xml(job)));
    }

    JobSpec job = sample_job();
    const std::string xml = render_job_xml(job);
    ParsedXml parsed(xml);
    const auto* detail = parsed.document.first_node("JobsDetail");
    REQUIRE(detail != nullptr);
    std::vector<std::string> order;
    for (auto* n = detail->first_node(); n; n = n->next_sibling()) {
        order.emplace_back(n->name(), n->name_size());
    }
    CHECK(order == std::vector<std::string>{"Code", "Message", "JobId", "Tag", "State", "Progress",
                                            "CreationTime", "StartTime", "EndTime", "QueueId",
                                            "Input", "Operation"});
    CHECK(child_text(detail, "CreationTime") == "2022-06-27T15:23:12+0800");
    CHECK(child_text(detail, "StartTime") == "2022-06-27T15:23:13+0800");
    CHECK(child_text(detail, "EndTime") == "-");
    CHECK(child_text(detail->first_node("Input"), "Object") == job.input_object);
    CHECK(child_text(detail->first_node("Operation"), "UserData") == job.user_data);
    CHECK(xml.find("<UserData>a&lt;b &amp; &quot;c&quot; &gt; d</UserData>") != std::string::npos);
    CHECK(xml.find("Tom &amp; Jerry &lt;1&gt;") != std::string::npos);
    CHECK(xml.find("<MediaInfo>") == std::string::npos);

    job.streams = {{"audio", {{"Index", "1"}}}, {"subtitle", {}}, {"video", {{"Index", "0"}}}};
    job.format_fields = {{"NumStream", "2"}};
    job.output_files = {{"b", "r", "", "output/a.mp4", "3df1f845d2ffd20a525a93ec40014d90"},
                        {"b", "r", "", "output/b.mp4", "00000000000000000000000000000000"}};
    job.workflow_id = "w0123456789abcdef0123456789abcdef";
    job.queue_type = "Transcoding";
    job.extra_operation_xml = "<RemoveWatermark><Dx>1</Dx></RemoveWatermark>";
    const std::string full = render_job_xml(job);
    REQUIRE(is_well_formed(full));
    CHECK(full.find("<Stream><Audio><Index>1</Index></Audio><Subtitle/><Video>") !=
          std::string::npos);
    CHECK(full.find("<QueueType>Transcoding</QueueType><Input>") != std::string::npos);
    CHECK(full.find("</Input><Workflow><WorkflowId>w0123") != std::string::npos);
    CHECK(full.find("<WatermarkTemplateId>t1b</WatermarkTemplateId><RemoveWatermark>") !=
          std::string::npos);
    CHECK(full.find("<MediaResult><OutputFile><Bucket>b</Bucket><Region>r</Region>"
                    "<ObjectPrefix/><ObjectName>output/a.mp4</ObjectName>"
                    "<ObjectName>output/b.mp4</ObjectName><Md5Info>") != std::string::npos);
}

// ---- the dataset ------------------------------------------------------------------

TEST_CASE("emulator: Dataset select filters, orders and uses strict bounds")
{
    Dataset dataset;
    const auto jobs = generate_jobs(small_options(500));
    for (const JobSpec& job : jobs) {
        dataset.add(job);
    }
    REQUIRE(dataset.size() == 500);

    JobQuery query;
    query.tag = "Transcode";
    query.ascending = true;
    const auto ascending = dataset.select(query);
    REQUIRE(ascending.size() > 50);
    for (std::size_t i = 1; i < ascending.size(); ++i) {
        const auto& a = ascending[i - 1];
        const auto& b = ascending[i];
        CHECK(a.tag == "Transcode");
        CHECK((a.creation_time < b.creation_time ||
               (a.creation_time == b.creation_time && a.job_id < b.job_id)));
    }
    query.ascending = false;
    auto descending = ids_of(dataset.select(query));
    std::reverse(descending.begin(), descending.end());
    CHECK(descending == ids_of(ascending));

    // Strict window: jobs exactly at either bound are excluded.
    query.start = ascending[10].creation_time;
    query.end = ascending[40].creation_time;
    for (const StoredJob& job : dataset.select(query)) {
        CHECK(job.creation_time > *query.start);
        CHECK(job.creation_time < *query.end);
    }
    const auto expected_in_window =
        std::count_if(ascending.begin(), ascending.end(), [&](const StoredJob& j) {
            return j.creation_time > *query.start && j.creation_time < *query.end;
        });
    CHECK(static_cast<long>(dataset.select(query).size()) == expected_in_window);

    JobQuery by_queue;
    by_queue.tag = "Snapshot";
    by_queue.queue_id = small_options().queues[1];
    by_queue.queue_type = "NoSuchType"; // queueId wins over queueType
    const auto in_queue = dataset.select(by_queue);
    REQUIRE_FALSE(in_queue.empty());
    for (const StoredJob& job : in_queue) {
        CHECK(job.queue_id == by_queue.queue_id);
        CHECK(job.tag == "Snapshot");
    }
    by_queue.queue_id.clear();
    CHECK(dataset.select(by_queue).empty());
    by_queue.queue_type = "Transcoding";
    CHECK(dataset.select(by_queue).size() > in_queue.size());

    JobQuery by_state;
    by_state.tag = "Transcode";
    by_state.states = {"Failed", "Running"};
    for (const StoredJob& job : dataset.select(by_state)) {
        CHECK((job.state == "Failed" || job.state == "Running"));
    }
    by_state.states = {"All"};
    CHECK(dataset.select(by_state).size() == ascending.size());

    JobQuery by_object;
    by_object.tag = ascending[3].tag;
    by_object.input_object = ascending[3].input_object;
    for (const StoredJob& job : dataset.select(by_object)) {
        CHECK(job.input_object == ascending[3].input_object);
    }
    CHECK_FALSE(dataset.select(by_object).empty());

    // select_page is a window of select, with `more` when jobs remain.
    const auto all = ids_of(dataset.select(by_state));
    const JobPage page = dataset.select_page(by_state, 5, 7);
    REQUIRE(page.xml.size() == 7);
    CHECK(page.more);
    CHECK(page.xml[0] == dataset.select(by_state)[5].xml);
    CHECK_FALSE(dataset.select_page(by_state, all.size() - 3, 3).more);
    JobQuery by_type;
    by_type.tag = "Transcode";
    by_type.queue_type = "Transcoding";
    CHECK(dataset.select_page(by_type, 3, 1000).xml.size() + 3 == dataset.select(by_type).size());
    CHECK(dataset.queue_ids() ==
          std::vector<std::string>{small_options().queues[0], small_options().queues[1]});
}

TEST_CASE("emulator: finish_unfinished completes Submitted and Running jobs")
{
    Dataset dataset;
    for (const JobSpec& job : generate_jobs(small_options(300))) {
        dataset.add(job);
    }
    JobQuery unfinished;
    unfinished.states = {"Submitted", "Running"};
    const auto before = dataset.select(unfinished);
    REQUIRE_FALSE(before.empty());
    const UnixSeconds end = 1800000000;
    CHECK(dataset.finish_unfinished(end) == before.size());
    CHECK(dataset.select(unfinished).empty());
    const auto job = dataset.find(before.front().job_id);
    REQUIRE(job.has_value());
    CHECK(job->state == "Success");
    CHECK(job->progress == 100);
    CHECK(job->end_time == end);
    CHECK_FALSE(job->format_fields.empty());
    CHECK_FALSE(job->output_files.empty());
    CHECK(dataset.finish_unfinished(end) == 0);
}

TEST_CASE("emulator: load_directory serves each job's exact bytes")
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("emulator-load-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string first =
        "<JobsDetail>\n  <Code>Success</Code><Message/>\n  <JobId>ja1</JobId><Tag>Transcode</Tag>"
        "<State>Success</State><CreationTime>2022-06-27T15:23:12+0800</CreationTime>"
        "<QueueId>p1</QueueId><Input><Object>in &amp; out.mp4</Object></Input>"
        "<!-- </JobsDetail> --></JobsDetail>";
    const std::string second = "<JobsDetail><JobId>ja2</JobId><Tag>Snapshot</Tag>"
                               "<CreationTime>2022-06-27T15:23:13+0800</CreationTime>"
                               "<Workflow><WorkflowId>w1</WorkflowId></Workflow></JobsDetail>";
    {
        std::ofstream(dir / "a.xml") << "<?xml version=\"1.0\"?>\n<Response>\n"
                                     << first << "\n"
                                     << second << "\n<NextToken>1</NextToken></Response>\n";
        std::ofstream(dir / "b.xml") << "<JobsDetail><JobId>jb1</JobId><Tag>Transcode</Tag>"
                                        "<CreationTime>2022-06-27T15:23:14+0800</CreationTime>"
                                        "</JobsDetail>";
        std::ofstream(dir / "ignored.txt") << "not xml";
    }
    Dataset dataset;
    dataset.load_directory(dir.string());
    CHECK(dataset.size() == 3);
    JobQuery query;
    query.ascending = true;
    const auto jobs = dataset.select(query);
    REQUIRE(jobs.size() == 3);
    CHECK(jobs[0].xml == first);
    CHECK(jobs[0].input_object == "in & out.mp4");
    CHECK(jobs[0].queue_id == "p1");
    CHECK(jobs[1].xml == second);
    CHECK(jobs[1].workflow_id == "w1");
    CHECK_FALSE(jobs[1].spec.has_value());

    std::ofstream(dir / "c.xml") << "<Response><JobsDetail><JobId>x</JobId></Response>";
    Dataset broken;
    CHECK_THROWS_WITH(broken.load_directory(dir.string()), Catch::Contains("c.xml"));
    std::ofstream(dir / "c.xml")
        << "<Response><JobsDetail><JobId>x</JobId></JobsDetail></Response>";
    CHECK_THROWS_WITH(broken.load_directory(dir.string()), Catch::Contains("c.xml"));
    CHECK(broken.size() == 0);
    std::filesystem::remove_all(dir);
}

// ---- the server ---------------------------------------------------------------------

TEST_CASE("emulator: server pages a signed /jobs listing to exactly the dataset's jobs")
{
    ServerFixture fixture;
    const std::string queue = fixture.generator.queues[0];
    const std::string start = format_api_time(fixture.generator.first_creation_time + 600, 480);
    const QueryParams params{{"tag", "Transcode"},   {"queueId", queue},
                             {"orderByTime", "Asc"}, {"size", "7"},
                             {"states", "All"},      {"startCreationTime", start}};
    std::size_t pages = 0;
    const auto listed = list_all(fixture.port, params, &pages);

    JobQuery query;
    query.tag = "Transcode";
    query.queue_id = queue;
    query.ascending = true;
    query.start = parse_api_time(start);
    const auto expected = ids_of(fixture.dataset.select(query));
    REQUIRE(expected.size() > 14);
    CHECK(listed == expected);
    CHECK(pages == (expected.size() + 6) / 7);

    // The default order is Desc; a page's bytes are the stored XML.
    const Reply reply = signed_get(fixture.port, "/jobs", {{"tag", "Transcode"}});
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "application/xml");
    CHECK(reply.header("server") == "tencent-ci");
    CHECK_FALSE(reply.header("x-ci-request-id").empty());
    CHECK_FALSE(reply.header("date").empty());
    query.ascending = false;
    query.start.reset();
    query.queue_id.clear();
    const auto newest = fixture.dataset.select(query);
    const JobsReply page = parse_jobs(reply.body);
    REQUIRE(page.ids.size() == 10);
    CHECK(page.ids.front() == newest.front().job_id);
    CHECK(reply.body.rfind("<Response>" + newest[0].xml + newest[1].xml, 0) == 0);
    CHECK_FALSE(page.next_token.empty());

    // A security token header is accepted, signed or not; a bare key counts as empty.
    const std::string with_token = signed_request(fixture.port, "/jobs", {{"tag", "Transcode"}}, {},
                                                  "x-cos-security-token: abc\r\n");
    CHECK(round_trip(fixture.port, with_token).status == 200);
    const auto stats = fixture.server->stats();
    CHECK(stats.jobs_requests == static_cast<long>(pages) + 2);
    CHECK(stats.rejected_signatures == 0);
}

TEST_CASE("emulator: server rejects unsigned and wrongly signed requests")
{
    ServerFixture fixture(20);
    const QueryParams params{{"tag", "Transcode"}, {"size", "5"}};

    SignOptions wrong_key;
    wrong_key.secret_key = "not-the-key";
    Reply reply = signed_get(fixture.port, "/jobs", params, wrong_key);
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "SignatureDoesNotMatch");
    CHECK(error_message(reply) == "The Signature you specified is invalid.");
    CHECK_FALSE(reply.header("x-ci-trace-id").empty());
    CHECK(reply.body.rfind("<?xml version='1.0' encoding='utf-8' ?>", 0) == 0);

    SignOptions expired;
    const UnixSeconds now = now_unix_seconds();
    expired.key_time = std::to_string(now - 7200) + ";" + std::to_string(now - 3600);
    reply = signed_get(fixture.port, "/jobs", params, expired);
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "AccessDenied");
    CHECK(error_message(reply) == "Request has expired");

    SignOptions other_id;
    other_id.secret_id = "AKIDother";
    CHECK(signed_get(fixture.port, "/jobs", params, other_id).status == 403);

    reply = round_trip(fixture.port, "GET /jobs?tag=Transcode HTTP/1.1\r\nHost: " +
                                         host_of(fixture.port) + "\r\nConnection: close\r\n\r\n");
    CHECK(reply.status == 403);
    CHECK(error_code(reply) == "AccessDenied");

    // A parameter added after signing is not in q-url-param-list: accepted,
    // the signature covers what the list names (--strict-signing refuses it,
    // test_emulator_fidelity.cpp).
    std::string request = signed_request(fixture.port, "/jobs", params);
    request.replace(request.find("size=5"), 6, "size=5&states=Failed");
    CHECK(round_trip(fixture.port, request).status == 200);

    // A raw '+' decodes as a space, so the value signed differs from the one received.
    const QueryParams timed{{"tag", "Transcode"},
                            {"startCreationTime", "2024-01-01T00:00:00+0800"}};
    request = signed_request(fixture.port, "/jobs", timed);
    request.replace(request.find("%2B0800"), 7, "+0800");
    CHECK(error_code(round_trip(fixture.port, request)) == "SignatureDoesNotMatch");

    CHECK(fixture.server->stats().rejected_signatures == 5);
    CHECK(fixture.server->stats().jobs_requests == 1);
}

TEST_CASE("emulator: server validates /jobs parameters and tokens")
{
    ServerFixture fixture(60);
    const int port = fixture.port;
    const auto invalid = [&](const QueryParams& params) {
        const Reply reply = signed_get(port, "/jobs", params);
        CHECK(reply.status == 400);
        CHECK(error_code(reply) == "InvalidArgument");
        return error_message(reply);
    };
    invalid({{"size", "5"}});
    invalid({{"tag", "NoSuchTag"}});
    invalid({{"tag", "Transcode"}, {"size", "101"}});
    invalid({{"tag", "Transcode"}, {"size", "0"}});
    invalid({{"tag", "Transcode"}, {"states", "Success,Done"}});
    invalid({{"tag", "Transcode"}, {"orderByTime", "asc"}});
    CHECK_THAT(invalid({{"tag", "Transcode"}, {"startCreationTime", "2024-01-01 00:00"}}),
               Catch::Contains("startCreationTime"));
    CHECK_THAT(invalid({{"tag", "Transcode"}, {"endCreationTime", "yesterday"}}),
               Catch::Contains("endCreationTime"));
    CHECK(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"size", "100"}}).status == 200);
    CHECK(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"nextToken", ""}}).status == 200);

    const JobsReply first =
        parse_jobs(signed_get(port, "/jobs", {{"tag", "Transcode"}, {"size", "3"}}).body);
    REQUIRE_FALSE(first.next_token.empty());
    std::string tampered = first.next_token;
    tampered[7] = tampered[7] == '0' ? '1' : '0';
    CHECK(invalid({{"tag", "Transcode"}, {"size", "3"}, {"nextToken", tampered}}) ==
          "invalid nextToken");
    CHECK(invalid({{"tag", "Transcode"}, {"size", "3"}, {"nextToken", "garbage"}}) ==
          "invalid nextToken");
    // The same token with other filters is refused; with another size it is fine.
    CHECK(
        invalid({{"tag", "Transcode"}, {"orderByTime", "Asc"}, {"nextToken", first.next_token}}) ==
        "invalid nextToken");
    const Reply next = signed_get(
        port, "/jobs", {{"tag", "Transcode"}, {"size", "5"}, {"nextToken", first.next_token}});
    CHECK(next.status == 200);
}

TEST_CASE("emulator: an empty result carries one empty JobsDetail")
{
    ServerFixture fixture(40);
    for (const QueryParams& params :
         {QueryParams{{"tag", "SmartCover"}},
          QueryParams{{"tag", "Transcode"}, {"endCreationTime", "2000-01-01T00:00:00+0800"}}}) {
        const Reply reply = signed_get(fixture.port, "/jobs", params);
        REQUIRE(reply.status == 200);
        CHECK(reply.body == "<Response><JobsDetail/><NextToken></NextToken></Response>");
        const JobsReply jobs = parse_jobs(reply.body);
        CHECK(jobs.details == 1);
        CHECK(jobs.ids.empty());
    }
}

TEST_CASE("emulator: injected faults at rate 1.0")
{
    ServerFixture fixture(30);
    const QueryParams params{{"tag", "Transcode"}};
    FaultOptions faults;
    faults.server_error_rate = 1.0;
    fixture.server->set_faults(faults);
    Reply reply = signed_get(fixture.port, "/jobs", params);
    CHECK(reply.status == 500);
    CHECK(error_code(reply) == "InternalError");

    faults = {};
    faults.throttle_rate = 1.0;
    fixture.server->set_faults(faults);
    reply = signed_get(fixture.port, "/jobs", params);
    CHECK(reply.status == 503);
    CHECK(error_code(reply) == "SlowDown");
    CHECK(reply.header("retry-after") == "1");

    faults = {};
    faults.truncate_rate = 1.0;
    faults.latency_ms = 50;
    fixture.server->set_faults(faults);
    const auto started = std::chrono::steady_clock::now();
    reply = signed_get(fixture.port, "/jobs", params);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));
    CHECK(reply.status == 200);
    CHECK(reply.body.size() == std::stoul(reply.header("content-length")));
    CHECK_FALSE(is_well_formed(reply.body));

    // Signature failures are answered before any fault.
    SignOptions wrong;
    wrong.secret_key = "x";
    CHECK(signed_get(fixture.port, "/jobs", params, wrong).status == 403);
    fixture.server->set_faults({});
    CHECK(signed_get(fixture.port, "/jobs", params).status == 200);
    CHECK(fixture.server->stats().faults_injected == 3);
}

TEST_CASE("emulator: nextToken expires after token_ttl_seconds")
{
    FaultOptions faults;
    faults.token_ttl_seconds = 1;
    ServerFixture fixture(40, faults);
    const QueryParams params{{"tag", "Transcode"}, {"size", "2"}};
    const JobsReply first = parse_jobs(signed_get(fixture.port, "/jobs", params).body);
    REQUIRE_FALSE(first.next_token.empty());
    QueryParams next = params;
    next.emplace_back("nextToken", first.next_token);
    CHECK(signed_get(fixture.port, "/jobs", next).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const Reply reply = signed_get(fixture.port, "/jobs", next);
    CHECK(reply.status == 400);
    CHECK(error_message(reply) == "nextToken expired");
}

TEST_CASE("emulator: /queue lists the dataset's queues page by page")
{
    ServerFixture fixture(40);
    Reply reply = signed_get(fixture.port, "/queue", {{"pageNumber", "1"}, {"pageSize", "1"}});
    REQUIRE(reply.status == 200);
    ParsedXml parsed(reply.body);
    const auto* root = parsed.document.first_node("Response");
    REQUIRE(root != nullptr);
    CHECK(child_text(root, "TotalCount") == "2");
    CHECK(child_text(root, "PageSize") == "1");
    CHECK(child_text(root, "RequestId") == reply.header("x-ci-request-id"));
    CHECK(child_text(root->first_node("QueueList"), "QueueId") == fixture.generator.queues[0]);
    CHECK(child_text(root->first_node("QueueList"), "State") == "Active");

    reply = signed_get(fixture.port, "/queue", {{"pageNumber", "2"}, {"pageSize", "1"}});
    ParsedXml second(reply.body);
    CHECK(child_text(second.document.first_node("Response")->first_node("QueueList"), "QueueId") ==
          fixture.generator.queues[1]);
    reply = signed_get(fixture.port, "/queue", {});
    ParsedXml all(reply.body);
    CHECK(child_text(all.document.first_node("Response"), "PageSize") == "10");
    CHECK(signed_get(fixture.port, "/queue", {{"pageSize", "101"}}).status == 400);
    CHECK(round_trip(fixture.port, "GET /queue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
              .status == 403);
}

TEST_CASE("emulator: admin endpoints add jobs, finish them and set faults")
{
    ServerFixture fixture(10);
    Reply reply = admin(fixture.port, "POST",
                        "/_emulator/jobs?count=5&tag=Snapshot&creation_time=" +
                            url_encode("2030-01-01T00:00:00+0800"));
    CHECK(reply.status == 200);
    CHECK(reply.body == "5\n");
    CHECK(admin(fixture.port, "POST", "/_emulator/jobs?count=2").body == "2\n");
    CHECK(fixture.dataset.size() == 17);
    JobQuery query;
    query.tag = "Snapshot";
    query.start = parse_api_time("2029-12-31T00:00:00+0800");
    CHECK(fixture.dataset.select(query).size() == 5);
    // Added jobs are listed like the others.
    const auto listed = list_all(
        fixture.port, {{"tag", "Snapshot"}, {"startCreationTime", "2029-12-31T00:00:00+0800"}});
    CHECK(listed.size() == 5);

    reply = admin(fixture.port, "POST", "/_emulator/finish");
    CHECK(reply.status == 200);
    JobQuery unfinished;
    unfinished.states = {"Submitted", "Running"};
    CHECK(fixture.dataset.select(unfinished).empty());

    reply = admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=1&latency_ms=0");
    CHECK(reply.status == 200);
    CHECK(signed_get(fixture.port, "/jobs", {{"tag", "Transcode"}}).status == 503);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=0").status == 200);
    CHECK(admin(fixture.port, "POST", "/_emulator/faults?throttle_rate=2").status == 400);

    reply = admin(fixture.port, "GET", "/_emulator/stats");
    CHECK(reply.status == 200);
    CHECK_THAT(reply.body, Catch::StartsWith("requests="));
    CHECK_THAT(reply.body, Catch::Contains(" jobs=17"));
    CHECK_THAT(reply.body, Catch::Contains(" faults_injected=1 "));
    CHECK(admin(fixture.port, "GET", "/_emulator/jobs").status == 405);
    CHECK(admin(fixture.port, "GET", "/_emulator/nope").status == 404);
}

TEST_CASE("emulator: HTTP keep-alive, unknown paths and methods")
{
    ServerFixture fixture(20);
    const int fd = connect_to(fixture.port);
    std::string pending;
    std::string request = signed_request(fixture.port, "/jobs", {{"tag", "Transcode"}});
    request.replace(request.find("Connection: close"), 17, "Connection: keep-alive");
    const std::string second = "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    send_text(fd, request + second); // pipelined
    Reply reply = read_reply(fd, pending);
    CHECK(reply.status == 200);
    CHECK(reply.header("connection") == "keep-alive");
    reply = read_reply(fd, pending);
    CHECK(reply.status == 405);
    send_text(fd, "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    reply = read_reply(fd, pending);
    CHECK(reply.status == 404);
    CHECK(error_code(reply) == "NoSuchKey");
    char byte;
    CHECK(recv(fd, &byte, 1, 0) == 0); // closed after Connection: close
    close(fd);

    CHECK(round_trip(fixture.port, "BROKEN\r\n\r\n").status == 400);
    CHECK(fixture.server->endpoint() == "http://127.0.0.1:" + std::to_string(fixture.port));
}

TEST_CASE("emulator: concurrent clients and stop with open connections")
{
    ServerFixture fixture(300);
    JobQuery query;
    query.tag = "Animation";
    const auto expected = ids_of(fixture.dataset.select(query));
    std::atomic<int> matches{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 6; ++i) {
        clients.emplace_back([&] {
            if (list_all(fixture.port, {{"tag", "Animation"}, {"size", "9"}}) == expected) {
                ++matches;
            }
        });
    }
    for (std::thread& client : clients) {
        client.join();
    }
    CHECK(matches == 6);
    const int idle = connect_to(fixture.port); // an idle keep-alive connection
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fixture.server->stop();
    char byte;
    CHECK(recv(idle, &byte, 1, 0) == 0);
    close(idle);
}

TEST_CASE("emulator: every tag renders its type's shapes, all known to the parser")
{
    GeneratorOptions options = small_options(1500);
    options.tags = all_api_tags();
    const auto jobs = generate_jobs(options);
    std::string body = "<Response>";
    std::map<std::string, int> tags;
    std::set<std::string> output_kinds;
    int sprites = 0, headers = 0, urls = 0, blank = 0, empty_video = 0, results = 0;
    for (const JobSpec& job : jobs) {
        body += render_job_xml(job);
        ++tags[job.tag];
        for (const auto& extra : job.extra_outputs) {
            output_kinds.insert(extra.kind);
        }
        sprites += job.sprite_files.empty() ? 0 : 1;
        headers += job.cos_headers.empty() ? 0 : 1;
        urls += job.input_url.empty() ? 0 : 1;
        blank += job.blank_times ? 1 : 0;
        results += job.result_rows.empty() ? 0 : 1;
        empty_video += std::any_of(job.streams.begin(), job.streams.end(), [](const auto& s) {
            return s.kind == "video" && s.fields.empty();
        });
        if (!job.cos_headers.empty()) {
            CHECK_FALSE(job.workflow_id.empty());
        }
    }
    body += "</Response>";
    CHECK(tags.size() == 25);
    CHECK(output_kinds == std::set<std::string>{"sprite", "audio", "background", "stream_extract"});
    CHECK(sprites > 10);
    CHECK(headers > 10);
    CHECK(urls > 10);
    CHECK(blank > 0);
    CHECK(empty_video > 10);
    CHECK(results > 100);

    const JobsPage page = parse_jobs_page(body);
    REQUIRE(page.jobs.size() == jobs.size());
    CHECK(page.warnings.empty());
    for (const auto& [key, sighting] : page.unknown_elements) {
        UNSCOPED_INFO(key.first << " " << key.second);
    }
    CHECK(page.unknown_elements.empty());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const JobSpec& spec = jobs[i];
        const JobRecord& job = page.jobs[i];
        INFO(spec.tag << " " << spec.job_id);
        CHECK(job.outputs.size() ==
              spec.extra_outputs.size() + (spec.output_object.empty() ? 0 : 1));
        CHECK(job.output_files.size() == spec.output_files.size() + spec.sprite_files.size());
        CHECK(job.cos_headers.size() == spec.cos_headers.size());
        CHECK(job.input_url.has_value() == !spec.input_url.empty());
        CHECK(job.workflow_run_id.has_value() == !spec.workflow_id.empty());
        CHECK(job.end_time.has_value() == spec.end_time.has_value());
    }
}
