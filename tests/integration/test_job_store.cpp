// JobStore against a migrated temporary database: every column and child
// table, the hash skip, the no-going-backwards rule and deduplication.
#include "jobsync/db/job_store.hpp"

#include "support/temp_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <string>
#include <thread>

using namespace jobsync;

namespace {

const std::string kBucket = "examplebucket-1250000000";
const SourceConfig kSource = [] {
    SourceConfig source;
    source.bucket = kBucket;
    return source;
}();
const Partition kPartition{&kSource, "Transcode", ""};

// 2024-01-02T03:04:05Z and later instants.
constexpr UnixSeconds kCreated = 1704164645;

JobRecord basic_job(std::string_view id, std::string_view detail_xml,
                    OptText state = std::string_view("Success"))
{
    JobRecord job;
    job.job_id = id;
    job.tag = "Transcode";
    job.state = state;
    job.creation_time = kCreated;
    job.detail_xml = detail_xml;
    return job;
}

PageWriteResult write(const std::vector<JobRecord>& jobs)
{
    auto conn = testing::shared_database().connect();
    pqxx::work txn(*conn);
    JobStore store;
    const PageWriteResult result = store.write_page(txn, kPartition, jobs, {});
    txn.commit();
    return result;
}

std::string scalar(const std::string& sql)
{
    return testing::shared_database().scalar(sql);
}

// The value of a text expression for one job, compared exactly (no SQL quoting).
std::string job_text(const std::string& expression, std::string_view job_id)
{
    auto conn = testing::shared_database().connect();
    pqxx::nontransaction txn(*conn);
    const pqxx::result result = txn.exec_params(
        "SELECT " + expression + " FROM jobs WHERE job_id = $1", std::string(job_id));
    REQUIRE(result.size() == 1);
    return result[0][0].is_null() ? "<NULL>" : result[0][0].as<std::string>();
}

void check_counts(const PageWriteResult& result, long inserted, long updated, long unchanged,
                  long refused, long duplicates)
{
    CHECK(result.inserted == inserted);
    CHECK(result.updated == updated);
    CHECK(result.unchanged == unchanged);
    CHECK(result.refused == refused);
    CHECK(result.duplicates == duplicates);
}

std::string hex(std::string_view bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    for (const char c : bytes) {
        text += kDigits[static_cast<unsigned char>(c) >> 4];
        text += kDigits[static_cast<unsigned char>(c) & 0x0f];
    }
    return text;
}

template <std::size_t N>
FieldValues<N> field_values(const std::array<FieldSpec, N>& specs,
                            const std::map<std::string_view, std::string_view>& by_element)
{
    FieldValues<N> values;
    for (std::size_t i = 0; i < N; ++i) {
        const auto found = by_element.find(specs[i].element);
        if (found != by_element.end()) {
            values[i] = found->second;
        }
    }
    return values;
}

// A job with every column and child table filled.
JobRecord full_job()
{
    JobRecord job = basic_job("j-full", "<JobsDetail><JobId>j-full</JobId></JobsDetail>");
    job.sub_tag = "SubTag1";
    job.progress = 100;
    job.code = "Success";
    job.message = "done";
    job.queue_id = "q1";
    job.queue_type = "Speeding";
    job.input_bucket = "in-1250000000";
    job.input_region = "ap-chongqing";
    job.input_object = "in/video.mp4";
    job.input_url = "https://in-1250000000.cos.ap-chongqing.myqcloud.com/in/video.mp4";
    job.template_id = "t1";
    job.template_name = "HD";
    job.user_data = "ud";
    job.workflow_id = "w1";
    job.workflow_name = "flow";
    job.workflow_run_id = "run1";
    job.job_level = 2;
    job.start_time = kCreated + 10;
    job.end_time = kCreated + 70;
    job.watermark_template_ids = {"wm1", "wm2"};
    job.outputs = {{"main", "out-1250000000", "ap-chongqing", "out/a.mp4", std::nullopt},
                   {"stream_extract", "out-1250000000", "ap-chongqing", "out/b.aac", "1"}};
    job.media_format = field_values(kMediaFormatFields, {{"FormatName", "mov,mp4"},
                                                         {"FormatLongName", "QuickTime / MOV"},
                                                         {"Duration", "13.654"},
                                                         {"Bitrate", "1200.5"},
                                                         {"Size", "5000000000"},
                                                         {"NumStream", "2"},
                                                         {"NumProgram", "0"},
                                                         {"StartTime", "0.000000"}});
    job.streams = {
        {"video", field_values(kMediaStreamFields, {{"Index", "0"},
                                                    {"CodecName", "h264"},
                                                    {"Width", "1920"},
                                                    {"Height", "1080"},
                                                    {"Fps", "29.97"},
                                                    {"NumFrames", "409"},
                                                    {"Rotation", "-90"},
                                                    {"Profile", "High"}})},
        {"audio", field_values(kMediaStreamFields, {{"Index", "1"},
                                                    {"CodecName", "aac"},
                                                    {"SampleRate", "44100"},
                                                    {"Channel", "2"},
                                                    {"ChannelLayout", "stereo"}})},
        {"video", field_values(kMediaStreamFields, {{"Index", "2"}, {"CodecName", "mjpeg"}})},
    };
    job.output_files = {
        {"main", "out-1250000000", "ap-chongqing", "out/", "a.mp4", "abc123"},
        {"sprite", "out-1250000000", "ap-chongqing", "out/", "s-1.jpg", std::nullopt}};
    job.cos_headers = {{"Content-Type", "video/mp4"}, {"x-cos-meta-a", "1"}};
    return job;
}

} // namespace

TEST_CASE("job_store: detail_hash is SHA-1 of the version and the XML")
{
    testing::shared_database().truncate_all();
    const JobRecord job = basic_job("j1", "<JobsDetail><JobId>j1</JobId></JobsDetail>");
    // printf '\x01\x00\x00\x00<JobsDetail><JobId>j1</JobId></JobsDetail>' | sha1sum
    CHECK(hex(detail_hash(job)) == "137216ad181f2a728da89c0e9ec0e97913c8e994");
    CHECK(detail_hash(basic_job("j1", "<JobsDetail><JobId>j2</JobId></JobsDetail>")) !=
          detail_hash(job));
}

TEST_CASE("job_store: insert lands every column and child table")
{
    testing::shared_database().truncate_all();
    const JobRecord job = full_job();
    check_counts(write({job}), 1, 0, 0, 0, 0);

    CHECK(scalar("SELECT bucket || '|' || tag || '|' || sub_tag || '|' || state || '|' || code || "
                 "'|' || message || '|' || queue_id || '|' || queue_type FROM jobs") ==
          kBucket + "|Transcode|SubTag1|Success|Success|done|q1|Speeding");
    CHECK(scalar("SELECT concat_ws('|', input_bucket, input_region, input_object, input_url, "
                 "template_id, template_name, user_data, workflow_id, workflow_name, "
                 "workflow_run_id) FROM jobs") ==
          "in-1250000000|ap-chongqing|in/video.mp4|"
          "https://in-1250000000.cos.ap-chongqing.myqcloud.com/in/video.mp4|t1|HD|ud|w1|flow|run1");
    CHECK(scalar("SELECT progress = 100 AND job_level = 2 AND pg_typeof(progress) = 'integer'"
                 "::regtype FROM jobs") == "t");
    CHECK(scalar("SELECT creation_time = '2024-01-02T03:04:05Z' AND "
                 "start_time = '2024-01-02T03:04:15Z' AND end_time = '2024-01-02T03:05:15Z' "
                 "FROM jobs") == "t");
    CHECK(scalar("SELECT detail::text FROM jobs") == std::string(job.detail_xml));
    CHECK(scalar("SELECT encode(detail_hash, 'hex') FROM jobs") == hex(detail_hash(job)));
    CHECK(scalar("SELECT first_synced_at = last_synced_at FROM jobs") == "t");

    CHECK(scalar("SELECT string_agg(concat_ws(',', ordinal, kind, bucket, region, object, "
                 "stream_index), ';' ORDER BY ordinal) FROM job_outputs WHERE job_id = 'j-full'") ==
          "1,main,out-1250000000,ap-chongqing,out/a.mp4;"
          "2,stream_extract,out-1250000000,ap-chongqing,out/b.aac,1");
    CHECK(scalar("SELECT count(*) FROM job_outputs WHERE ordinal = 1 AND stream_index IS NULL") ==
          "1");
    CHECK(scalar("SELECT string_agg(ordinal || '=' || template_id, ',' ORDER BY ordinal) "
                 "FROM job_watermark_templates") == "1=wm1,2=wm2");

    CHECK(scalar("SELECT format_name || '|' || format_long_name FROM media_info") ==
          "mov,mp4|QuickTime / MOV");
    CHECK(scalar("SELECT duration = 13.654 AND bitrate = 1200.5 AND size = 5000000000 AND "
                 "num_stream = 2 AND num_program = 0 AND start_time = 0 AND "
                 "pg_typeof(size) = 'bigint'::regtype AND pg_typeof(duration) = "
                 "'numeric'::regtype FROM media_info WHERE job_id = 'j-full'") == "t");

    CHECK(scalar("SELECT string_agg(kind || ordinal || ':' || stream_index || ':' || codec_name, "
                 "',' ORDER BY stream_index) FROM media_streams") ==
          "video1:0:h264,audio1:1:aac,video2:2:mjpeg");
    CHECK(scalar("SELECT width = 1920 AND height = 1080 AND fps = 29.97 AND num_frames = 409 AND "
                 "rotation = -90 AND profile = 'High' AND sample_rate IS NULL AND "
                 "language IS NULL FROM media_streams WHERE kind = 'video' AND ordinal = 1") ==
          "t");
    CHECK(scalar("SELECT sample_rate = 44100 AND channel = 2 AND channel_layout = 'stereo' AND "
                 "width IS NULL FROM media_streams WHERE kind = 'audio'") == "t");

    CHECK(scalar("SELECT string_agg(concat_ws(',', ordinal, kind, bucket, region, object_prefix, "
                 "object_name, coalesce(md5, 'NULL')), ';' ORDER BY ordinal) FROM output_files") ==
          "1,main,out-1250000000,ap-chongqing,out/,a.mp4,abc123;"
          "2,sprite,out-1250000000,ap-chongqing,out/,s-1.jpg,NULL");
    CHECK(scalar("SELECT string_agg(ordinal || ':' || key || '=' || value, ',' ORDER BY ordinal) "
                 "FROM job_input_cos_headers") == "1:Content-Type=video/mp4,2:x-cos-meta-a=1");
}

TEST_CASE("job_store: absent optional fields are NULL")
{
    testing::shared_database().truncate_all();
    JobRecord job =
        basic_job("j-min", "<JobsDetail><JobId>j-min</JobId></JobsDetail>", std::nullopt);
    check_counts(write({job}), 1, 0, 0, 0, 0);
    CHECK(scalar("SELECT num_nulls(sub_tag, state, progress, code, message, start_time, end_time, "
                 "queue_id, queue_type, input_bucket, input_region, input_object, input_url, "
                 "template_id, template_name, user_data, job_level, workflow_id, workflow_name, "
                 "workflow_run_id) FROM jobs") == "20");
    for (const char* table : {"job_outputs", "job_watermark_templates", "media_info",
                              "media_streams", "output_files", "job_input_cos_headers"}) {
        CHECK(testing::shared_database().count(table) == 0);
    }

    // A media_info row whose fields are all absent is still a row, of NULLs.
    job.job_id = "j-empty-media";
    job.media_format.emplace();
    job.detail_xml = "<JobsDetail><JobId>j-empty-media</JobId></JobsDetail>";
    check_counts(write({job}), 1, 0, 0, 0, 0);
    CHECK(scalar("SELECT num_nulls(format_name, format_long_name, duration, bitrate, size, "
                 "num_stream, num_program, start_time) FROM media_info") == "8");
}

TEST_CASE("job_store: rewriting the same page changes nothing")
{
    testing::shared_database().truncate_all();
    const std::vector<JobRecord> page{
        full_job(), basic_job("j2", "<JobsDetail><JobId>j2</JobId></JobsDetail>")};
    check_counts(write(page), 2, 0, 0, 0, 0);
    const std::string xmins =
        scalar("SELECT string_agg(xmin::text, ',' ORDER BY job_id) FROM jobs");
    const std::string child_xmins =
        scalar("SELECT string_agg(xmin::text, ',' ORDER BY ordinal) FROM job_outputs");

    check_counts(write(page), 0, 0, 2, 0, 0);
    CHECK(scalar("SELECT string_agg(xmin::text, ',' ORDER BY job_id) FROM jobs") == xmins);
    CHECK(scalar("SELECT string_agg(xmin::text, ',' ORDER BY ordinal) FROM job_outputs") ==
          child_xmins);
    CHECK(testing::shared_database().count("jobs") == 2);
    CHECK(testing::shared_database().count("job_outputs") == 2);
    CHECK(testing::shared_database().count("media_streams") == 3);
}

TEST_CASE("job_store: a changed job is updated and its children replaced")
{
    testing::shared_database().truncate_all();
    JobRecord job = full_job();
    job.state = "Running";
    check_counts(write({job}), 1, 0, 0, 0, 0);
    const std::string first_synced = scalar("SELECT first_synced_at::text FROM jobs");

    job.state = "Success";
    job.message = "finished";
    job.detail_xml = "<JobsDetail><JobId>j-full</JobId><State>Success</State></JobsDetail>";
    job.outputs.pop_back();
    job.streams.erase(job.streams.begin());
    job.media_format.reset();
    job.cos_headers = {{"x-cos-meta-b", "2"}};
    check_counts(write({job}), 0, 1, 0, 0, 0);

    CHECK(job_text("state || '|' || message || '|' || detail::text", "j-full") ==
          "Success|finished|" + std::string(job.detail_xml));
    CHECK(scalar("SELECT first_synced_at::text FROM jobs") == first_synced);
    CHECK(scalar("SELECT string_agg(ordinal || kind, ',') FROM job_outputs") == "1main");
    CHECK(scalar("SELECT string_agg(kind || ordinal || ':' || codec_name, ',' ORDER BY "
                 "stream_index) FROM media_streams") == "audio1:aac,video1:mjpeg");
    CHECK(testing::shared_database().count("media_info") == 0);
    CHECK(scalar("SELECT string_agg(ordinal || ':' || key, ',') FROM job_input_cos_headers") ==
          "1:x-cos-meta-b");
    CHECK(testing::shared_database().count("output_files") == 2);
}

TEST_CASE("job_store: duplicates within a page keep the last occurrence")
{
    testing::shared_database().truncate_all();
    JobRecord first = basic_job("j1", "<JobsDetail><JobId>j1</JobId><V>1</V></JobsDetail>");
    first.message = "first";
    first.outputs = {{"main", "b", "r", "one", std::nullopt}};
    JobRecord last = basic_job("j1", "<JobsDetail><JobId>j1</JobId><V>3</V></JobsDetail>");
    last.message = "last";
    last.outputs = {{"main", "b", "r", "three", std::nullopt}};
    const JobRecord middle = basic_job("j1", "<JobsDetail><JobId>j1</JobId><V>2</V></JobsDetail>");
    const JobRecord other = basic_job("j2", "<JobsDetail><JobId>j2</JobId></JobsDetail>");

    check_counts(write({first, other, middle, last}), 2, 0, 0, 0, 2);
    CHECK(job_text("message", "j1") == "last");
    CHECK(scalar("SELECT string_agg(object, ',') FROM job_outputs") == "three");

    // Across pages: a repeat with the same content is unchanged.
    check_counts(write({last, last}), 0, 0, 1, 0, 1);
}

TEST_CASE("job_store: a terminal job is never replaced by a non-terminal one")
{
    testing::shared_database().truncate_all();
    JobRecord done = basic_job("j1", "<JobsDetail><State>Success</State></JobsDetail>");
    done.outputs = {{"main", "b", "r", "done.mp4", std::nullopt}};
    check_counts(write({done}), 1, 0, 0, 0, 0);
    const std::string xmin = scalar("SELECT xmin::text FROM jobs");

    JobRecord running =
        basic_job("j1", "<JobsDetail><State>Running</State></JobsDetail>", "Running");
    check_counts(write({running}), 0, 0, 0, 1, 0);
    JobRecord no_state = basic_job("j1", "<JobsDetail/>", std::nullopt);
    check_counts(write({no_state}), 0, 0, 0, 1, 0);
    CHECK(scalar("SELECT xmin::text FROM jobs") == xmin);
    CHECK(job_text("state", "j1") == "Success");
    CHECK(testing::shared_database().count("job_outputs") == 1);

    // A terminal state may replace another one.
    JobRecord failed = basic_job("j1", "<JobsDetail><State>Failed</State></JobsDetail>", "Failed");
    check_counts(write({failed}), 0, 1, 0, 0, 0);
    CHECK(job_text("state", "j1") == "Failed");
    CHECK(testing::shared_database().count("job_outputs") == 0);

    // Forward progress is always written.
    JobRecord j2_running = basic_job("j2", "<JobsDetail><S>Running</S></JobsDetail>", "Running");
    check_counts(write({j2_running}), 1, 0, 0, 0, 0);
    JobRecord j2_stored_null = basic_job("j3", "<JobsDetail><S/></JobsDetail>", std::nullopt);
    check_counts(write({j2_stored_null}), 1, 0, 0, 0, 0);
    JobRecord j2_done = basic_job("j2", "<JobsDetail><S>Success</S></JobsDetail>", "Success");
    JobRecord j3_running = basic_job("j3", "<JobsDetail><S>Running</S></JobsDetail>", "Running");
    check_counts(write({j2_done, j3_running}), 0, 2, 0, 0, 0);
    CHECK(job_text("state", "j2") == "Success");
    CHECK(job_text("state", "j3") == "Running");
}

TEST_CASE("job_store: a page with zero jobs works")
{
    testing::shared_database().truncate_all();
    check_counts(write({}), 0, 0, 0, 0, 0);
    CHECK(testing::shared_database().count("jobs") == 0);
}

TEST_CASE("job_store: special characters round-trip exactly")
{
    testing::shared_database().truncate_all();
    const std::string id = "id \"quoted\" \\back\\slash, {brace} 'apos' NULL";
    const std::string message = "it's \"quoted\" \\ back\\slash \\x41 & <tag> caf\xc3\xa9 "
                                "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xac $1 %s";
    const std::string detail = "<JobsDetail><Message>it's &quot;quoted&quot; \\ &amp; &lt;tag&gt; "
                               "caf\xc3\xa9 \xf0\x9f\x8e\xac</Message></JobsDetail>";
    JobRecord job = basic_job(id, detail);
    job.message = message;
    job.user_data = "a&b=c&d";
    job.outputs = {{"main", "b", "r", message, std::nullopt}};
    job.cos_headers = {{"x-cos-meta-\xc3\xa9", message}};

    check_counts(write({job}), 1, 0, 0, 0, 0);
    CHECK(job_text("job_id", id) == id);
    CHECK(job_text("message", id) == message);
    CHECK(job_text("user_data", id) == "a&b=c&d");
    CHECK(job_text("detail::text", id) == detail);
    CHECK(job_text("(SELECT object FROM job_outputs o WHERE o.job_id = jobs.job_id)", id) ==
          message);
    CHECK(job_text("(SELECT key || '=' || value FROM job_input_cos_headers h "
                   "WHERE h.job_id = jobs.job_id)",
                   id) == "x-cos-meta-\xc3\xa9=" + message);

    // The id survives the text[] literal of the lookup: the rewrite is a no-op.
    check_counts(write({job}), 0, 0, 1, 0, 0);
}

TEST_CASE("job_store: statements over the parameter limit are split")
{
    testing::shared_database().truncate_all();
    std::deque<std::string> storage; // owns the text the records view
    const auto keep = [&storage](std::string text) -> std::string_view {
        return storage.emplace_back(std::move(text));
    };
    std::vector<JobRecord> page;
    for (int i = 0; i < 2500; ++i) { // 26 parameters each: two jobs statements
        const std::string_view id = keep("bulk-" + std::to_string(i));
        page.push_back(
            basic_job(id, keep("<JobsDetail><JobId>" + std::string(id) + "</JobId></JobsDetail>")));
    }
    for (int i = 0; i < 9000; ++i) { // 7 parameters each: two job_outputs statements
        page[0].outputs.push_back({"main", "b", "r", keep("o" + std::to_string(i)), std::nullopt});
    }
    check_counts(write(page), 2500, 0, 0, 0, 0);
    CHECK(testing::shared_database().count("jobs") == 2500);
    CHECK(scalar("SELECT count(*) || ',' || max(ordinal) || ',' || count(DISTINCT object) FROM "
                 "job_outputs WHERE job_id = 'bulk-0'") == "9000,9000,9000");
    check_counts(write(page), 0, 0, 2500, 0, 0);
}

TEST_CASE("job_store: concurrent writers of the same new job")
{
    testing::shared_database().truncate_all();
    JobRecord done = basic_job("j1", "<JobsDetail><S>Success</S></JobsDetail>");
    done.outputs = {{"main", "b", "r", "done.mp4", std::nullopt}};
    JobRecord running = basic_job("j1", "<JobsDetail><S>Running</S></JobsDetail>", "Running");
    running.outputs = {{"main", "b", "r", "partial.mp4", std::nullopt}};
    JobRecord done_again = basic_job("j1", "<JobsDetail><S>Success</S><X/></JobsDetail>");
    done_again.outputs = {{"main", "b", "r", "again.mp4", std::nullopt}};

    // While the first insert is uncommitted, the second writer finds the job
    // absent and then waits on the row in its upsert.
    const auto race = [&](const JobRecord& second) {
        testing::shared_database().truncate_all();
        auto conn = testing::shared_database().connect();
        pqxx::work txn(*conn);
        JobStore store;
        check_counts(store.write_page(txn, kPartition, {done}, {}), 1, 0, 0, 0, 0);
        auto other = std::async(std::launch::async, [&second] { return write({second}); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND datname = current_database()") != "1") {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        txn.commit();
        return other.get();
    };

    SECTION("a non-terminal version is refused")
    {
        check_counts(race(running), 0, 0, 0, 1, 0);
        CHECK(job_text("state", "j1") == "Success");
        CHECK(scalar("SELECT string_agg(object, ',') FROM job_outputs") == "done.mp4");
    }
    SECTION("a terminal version replaces the row and its children")
    {
        check_counts(race(done_again), 1, 0, 0, 0, 0);
        CHECK(job_text("detail::text", "j1") == std::string(done_again.detail_xml));
        CHECK(scalar("SELECT string_agg(object, ',') FROM job_outputs") == "again.mp4");
    }
}

TEST_CASE("job_store: statements are prepared once per padded size and reused on any connection")
{
    testing::shared_database().truncate_all();
    std::deque<std::string> storage;
    const auto page_of = [&storage](int first, int count) {
        std::vector<JobRecord> page;
        for (int i = first; i < first + count; ++i) {
            const std::string& id = storage.emplace_back("prep-" + std::to_string(i));
            const std::string& xml = storage.emplace_back("<JobsDetail>" + id + "</JobsDetail>");
            page.push_back(basic_job(id, xml));
            page.back().outputs.push_back({"main", "b", "r", std::string_view(id), std::nullopt});
        }
        return page;
    };
    JobStore store;
    // A stored job on every page sends it down the upsert path (a page of
    // new jobs only goes by COPY); it is unchanged, so never sent.
    const std::vector<JobRecord> stored = page_of(-1, 1);
    write(stored);
    int next = 0;
    for (int round = 0; round < 2; ++round) {
        auto conn = testing::shared_database().connect();
        for (const int count : {1, 3, 4, 100, 97, 5}) {
            std::vector<JobRecord> page = page_of(next, count);
            page.push_back(stored[0]);
            pqxx::work txn(*conn);
            check_counts(store.write_page(txn, kPartition, page, {}), count, 0, 1, 0, 0);
            txn.commit();
            next += count;
        }
        // Sizes 1, 4, 8 and 128, for jobs and job_outputs: 8 statements, not one per
        // count; and the one that releases stored jobs from quarantine.
        pqxx::nontransaction txn(*conn);
        const pqxx::result prepared =
            txn.exec("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'jobsync%'");
        CHECK(prepared[0][0].as<int>() == 9);
    }
    CHECK(testing::shared_database().count("jobs") == next + 1);
    CHECK(testing::shared_database().count("job_outputs") == next + 1);
}
