// Config sections into the validated Config struct (config/config.cpp).
#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"
#include "test_config_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace jobsync;
using namespace config_test;

TEST_CASE("config: the bundled example loads with its documented values")
{
    const CleanEnv env;
    const std::string path = std::string(PROJECT_SOURCE_DIR) + "/config/example.toml";
    const Config config = load_config(path);

    CHECK(config.path == path);
    CHECK(config.database.url == "postgresql:///cijobsync");
    CHECK(config.database.schema == "ci");
    CHECK(config.credentials.secret_id == "AKIDEXAMPLEEXAMPLEEXAMPLEEXAMPLE");
    CHECK(config.credentials.secret_key == "emulator-secret-key");
    CHECK(config.credentials.security_token.empty());

    REQUIRE(config.sources.size() == 1);
    const SourceConfig& source = config.sources[0];
    CHECK(source.bucket == "examplebucket-1250000000");
    CHECK(source.region == "ap-guangzhou");
    CHECK(source.endpoint == "http://127.0.0.1:18080");
    CHECK(source.host == "127.0.0.1:18080");
    CHECK(source.tags == std::vector<std::string>{"Transcode", "Snapshot"});
    CHECK(source.queues == std::vector<std::string>{"p2242ab62c7c94486915508540933a2c6"});
    CHECK(source.start_time == UnixSeconds{1704038400});
    CHECK(source.credentials.secret_id == config.credentials.secret_id);
    CHECK(source.credentials.secret_key == config.credentials.secret_key);

    // The example spells out the defaults.
    const SyncConfig defaults;
    CHECK(config.sync.page_size == defaults.page_size);
    CHECK(config.sync.lookback_seconds == defaults.lookback_seconds);
    CHECK(config.sync.settle_delay_seconds == defaults.settle_delay_seconds);
    CHECK(config.sync.refresh_horizon_seconds == defaults.refresh_horizon_seconds);
    CHECK(config.sync.connect_timeout_seconds == defaults.connect_timeout_seconds);
    CHECK(config.sync.request_timeout_seconds == defaults.request_timeout_seconds);
    CHECK(config.sync.max_attempts == defaults.max_attempts);
    CHECK(config.sync.retry_max_seconds == defaults.retry_max_seconds);
    CHECK(config.sync.max_response_bytes == defaults.max_response_bytes);
    CHECK(config.sync.token_max_age_seconds == defaults.token_max_age_seconds);
    CHECK(config.sync.ids_per_request == defaults.ids_per_request);
    CHECK(config.sync.lease_seconds == defaults.lease_seconds);
}

TEST_CASE("config: everything optional has its default")
{
    const CleanEnv env;
    const TempFile file(kMinimal);
    const Config config = load_config(file.path());

    CHECK(config.path == file.path());
    CHECK(config.database.url.empty());
    CHECK(config.database.schema == "ci");
    CHECK(config.credentials.security_token.empty());
    REQUIRE(config.sources.size() == 1);
    const SourceConfig& source = config.sources[0];
    CHECK(source.endpoint == "https://examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com");
    CHECK(source.host == "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com");
    CHECK(source.tags == all_api_tags());
    CHECK(source.queues.empty());
    CHECK_FALSE(source.start_time.has_value());
    CHECK(source.credentials.secret_id == "AKIDtest");
    CHECK(source.credentials.secret_key == "minimal-secret");

    CHECK(config.sync.page_size == 100);
    CHECK(config.sync.lookback_seconds == 900);
    CHECK(config.sync.settle_delay_seconds == 30);
    CHECK(config.sync.refresh_horizon_seconds == 7 * 86400);
    CHECK(config.sync.connect_timeout_seconds == 10);
    CHECK(config.sync.request_timeout_seconds == 60);
    CHECK(config.sync.max_attempts == 5);
    CHECK(config.sync.retry_max_seconds == 120);
    CHECK(config.sync.max_response_bytes == 8388608);
    CHECK(config.sync.token_max_age_seconds == 3600);
}

TEST_CASE("config: all_api_tags lists the 25 tags of the API page")
{
    const auto& tags = all_api_tags();
    REQUIRE(tags.size() == 25);
    CHECK(tags.front() == "Transcode");
    CHECK(tags.back() == "SplitVideoParts");
    for (const char* tag : {"Animation",
                            "VideoEnhance",
                            "Snapshot",
                            "SmartCover",
                            "Concat",
                            "VideoMontage",
                            "Segment",
                            "DigitalWatermark",
                            "ExtractDigitalWatermark",
                            "VideoTag",
                            "MediaInfo",
                            "StreamExtract",
                            "QualityEstimate",
                            "Watermark",
                            "PicProcess",
                            "SpeechRecognition",
                            "NoiseReduction",
                            "VoiceSeparate",
                            "Tts",
                            "Translation",
                            "WordsGeneralize",
                            "VideoTargetRec",
                            "SegmentVideoBody"}) {
        CHECK(std::find(tags.begin(), tags.end(), tag) != tags.end());
    }
}

TEST_CASE("config: every [sync] key maps to its field")
{
    const CleanEnv env;
    const Config config = load(kMinimal + R"(
[sync]
page_size = 25
lookback = "0s"
settle_delay = "0s"
refresh_horizon = "2d"
connect_timeout = "3s"
request_timeout = "2m"
max_attempts = 9
retry_max_time = "1h"
max_response_bytes = 1024
token_max_age = "90m"
ids_per_request = 3
lease = "15s"
)");
    CHECK(config.sync.page_size == 25);
    CHECK(config.sync.lookback_seconds == 0);
    CHECK(config.sync.settle_delay_seconds == 0);
    CHECK(config.sync.refresh_horizon_seconds == 2 * 86400);
    CHECK(config.sync.connect_timeout_seconds == 3);
    CHECK(config.sync.request_timeout_seconds == 120);
    CHECK(config.sync.max_attempts == 9);
    CHECK(config.sync.retry_max_seconds == 3600);
    CHECK(config.sync.max_response_bytes == 1024);
    CHECK(config.sync.token_max_age_seconds == 5400);
    CHECK(config.sync.ids_per_request == 3);
    CHECK(config.sync.lease_seconds == 15);
}

TEST_CASE("config: max_requests_per_second takes a non-negative number")
{
    const CleanEnv env;
    CHECK(load(kMinimal).sync.max_requests_per_second == 0);
    CHECK(load(kMinimal + "[sync]\nmax_requests_per_second = 2.5\n").sync.max_requests_per_second ==
          2.5);
    CHECK(load(kMinimal + "[sync]\nmax_requests_per_second = 10\n").sync.max_requests_per_second ==
          10);
    expect_error(kMinimal + "[sync]\nmax_requests_per_second = -1\n", "9:27",
                 {"max_requests_per_second", "between 0"});
    expect_error(kMinimal + "[sync]\nmax_requests_per_second = \"fast\"\n", "9:27",
                 {"max_requests_per_second", "a number"});
}

TEST_CASE("config: sources")
{
    const CleanEnv env;
    const std::string credentials = "[credentials]\nsecret_id = \"a\"\nsecret_key = \"b\"\n";
    expect_error(credentials, "1:1", {"no [[source]]", "at least one is required"});
    expect_error("source = []\n" + credentials, "1:10", {"at least one [[source]] is required"});
    expect_error(credentials + "\n[[source]]\nregion = \"ap-x\"\n", "5:1",
                 {"[[source]] is missing required key 'bucket'"});
    expect_error(credentials + "\n[[source]]\nbucket = \"b-1\"\n", "5:1",
                 {"[[source]] is missing required key 'region'"});
    expect_error(credentials + "\n[[source]]\nbucket = \"\"\nregion = \"r\"\n", "6:10",
                 {"[[source]] bucket must not be empty"});
    expect_error(credentials + "\n[[source]]\nbucket = \"Bad.Bucket\"\nregion = \"r\"\n", "6:10",
                 {"[[source]] bucket may contain only a-z, 0-9 and '-'"});
    expect_error(credentials + "\n[[source]]\nbucket = \"b\"\nregion = \"ap x\"\n", "7:10",
                 {"[[source]] region may contain only"});
    expect_error(kMinimal + "\n[[source]]\nbucket = \"examplebucket-1250000000\"\nregion = \"r\"\n",
                 "10:10", {"bucket 'examplebucket-1250000000' is already configured", "at line 5"});

    const Config two = load(kMinimal + "\n[[source]]\nbucket = \"second-1\"\nregion = \"ap-x\"\n");
    REQUIRE(two.sources.size() == 2);
    CHECK(two.sources[1].bucket == "second-1");
    CHECK(two.sources[1].host == "second-1.ci.ap-x.myqcloud.com");
}

TEST_CASE("config: tags and queues")
{
    const CleanEnv env;
    const Config config =
        load(kMinimal + "tags = [\"Tts\", \"Transcode\"]\nqueues = [\"q2\", \"q1\"]\n");
    CHECK(config.sources.at(0).tags == std::vector<std::string>{"Tts", "Transcode"});
    CHECK(config.sources.at(0).queues == std::vector<std::string>{"q2", "q1"});

    expect_error(kMinimal + "tags = [\"Transcode\", \"Transcod\"]\n", "8:22",
                 {"[[source]] tags: unknown value 'Transcod'", "SplitVideoParts"});
    expect_error(kMinimal + "tags = [\"Snapshot\", \"Snapshot\"]\n", "8:21",
                 {"[[source]] tags: 'Snapshot' is listed twice"});
    expect_error(kMinimal + "tags = []\n", "8:8", {"[[source]] tags must not be empty"});
    expect_error(kMinimal + "tags = [\"transcode\"]\n", "8:9", {"unknown value 'transcode'"});
    expect_error(kMinimal + "queues = [\"q1\", \"\"]\n", "8:17",
                 {"[[source]] queues must not contain empty strings"});
    expect_error(kMinimal + "queues = [\"q1\", \"q1\"]\n", "8:17",
                 {"[[source]] queues: 'q1' is listed twice"});
    expect_error(kMinimal + "queues = []\n", "8:10", {"[[source]] queues must not be empty"});
}

TEST_CASE("config: queues = \"discover\" and queue_type")
{
    const CleanEnv env;
    const Config discover = load(kMinimal + "queues = \"discover\"\n");
    CHECK(discover.sources[0].discover_queues);
    CHECK(discover.sources[0].queues.empty());
    CHECK(discover.sources[0].queue_type.empty());

    const Config listed = load(kMinimal + "queues = [\"p1\", \"p2\"]\n");
    CHECK_FALSE(listed.sources[0].discover_queues);
    CHECK(listed.sources[0].queues == std::vector<std::string>{"p1", "p2"});

    const Config typed = load(kMinimal + "queue_type = \"Speeching\"\n");
    CHECK(typed.sources[0].queue_type == "Speeching");
    CHECK_FALSE(typed.sources[0].discover_queues);

    expect_error(kMinimal + "queues = \"all\"\n", "8:10", {"queues", "discover"});
    expect_error(kMinimal + "queue_type = \"Bogus\"\n", "8:14", {"queue_type", "Bogus"});
    expect_error(kMinimal + "queues = [\"p1\"]\nqueue_type = \"Speeching\"\n", "9:14",
                 {"queue_type", "queues"});
    expect_error(kMinimal + "queues = \"discover\"\nqueue_type = \"Speeching\"\n", "9:14",
                 {"queue_type", "queues"});
}

TEST_CASE("config: start_time is an offset date-time converted to UTC")
{
    const CleanEnv env;
    const auto start_of = [](const std::string& value) {
        return load(kMinimal + "start_time = " + value + "\n").sources.at(0).start_time;
    };
    CHECK(start_of("2024-01-01T00:00:00+08:00") == UnixSeconds{1704038400});
    CHECK(start_of("2024-02-29T12:00:00Z") == UnixSeconds{1709208000});
    CHECK(start_of("2000-03-01T00:00:00Z") == UnixSeconds{951868800});
    CHECK(start_of("2100-03-01T00:00:00-05:30") == UnixSeconds{4107562200});
    CHECK(start_of("1969-12-31T23:59:59Z") == UnixSeconds{-1});
    CHECK(start_of("1970-01-01 00:00:00.999Z") == UnixSeconds{0});
    // Century rules: 1600 is a leap year, 1900 is not.
    CHECK(start_of("1600-03-01T00:00:00Z") == UnixSeconds{-11670912000});
    CHECK(start_of("1900-03-01T00:00:00Z") == UnixSeconds{-2203891200});
    CHECK(start_of("9999-12-31T23:59:59Z") == UnixSeconds{253402300799});

    expect_error(kMinimal + "start_time = 2024-01-01T00:00:00\n", "8:14",
                 {"[[source]] start_time", "local date-time without a UTC offset"});
    expect_error(kMinimal + "start_time = 2024-01-01\n", "8:14",
                 {"[[source]] start_time must be an offset date-time", "got a local date"});
    expect_error(kMinimal + "start_time = \"2024-01-01T00:00:00+08:00\"\n", "8:14",
                 {"start_time must be an offset date-time", "got a string"});
}

TEST_CASE("config: database url and schema")
{
    const CleanEnv env;
    const Config config =
        load(kMinimal + "[database]\nurl = \"host=db dbname=media\"\nschema = \"_jobs2\"\n");
    CHECK(config.database.url == "host=db dbname=media");
    CHECK(config.database.schema == "_jobs2");
    CHECK(load(kMinimal + "[database]\nschema = \"" + std::string(63, 'a') + "\"\n")
              .database.schema.size() == 63);

    const std::vector<std::string> bad_schemas = {
        "", "1abc", "Ci", "a-b", "ci.jobs", "a b", std::string(64, 'a')};
    for (const std::string& bad : bad_schemas) {
        expect_error(kMinimal + "[database]\nschema = \"" + bad + "\"\n", "9:10",
                     {"[database] schema must match [a-z_][a-z0-9_]{0,62}, got '" + bad + "'"});
    }
    // The URL may hold a password, so a wrong type is reported without it.
    const Failure failure =
        failure_of(kMinimal + "[database]\nurl = [\"postgresql://u:pw9876@h\"]\n");
    CHECK(contains(failure.message, "[database] url must be a string, got an array"));
    CHECK_FALSE(contains(failure.message, "pw9876"));
}

TEST_CASE("config: resolve_config_path prefers the command line, then the environment")
{
    const CleanEnv env;
    CHECK(resolve_config_path("") == "/etc/ci-jobsync/config.toml");
    setenv("CI_JOBSYNC_CONFIG", "", 1);
    CHECK(resolve_config_path("") == "/etc/ci-jobsync/config.toml");
    setenv("CI_JOBSYNC_CONFIG", "/srv/jobsync.toml", 1);
    CHECK(resolve_config_path("") == "/srv/jobsync.toml");
    CHECK(resolve_config_path("./local.toml") == "./local.toml");
}

TEST_CASE("config: workflows and batch_jobs")
{
    const CleanEnv env;
    const Config none = load(kMinimal);
    CHECK(none.sources[0].workflow_ids.empty());
    CHECK_FALSE(none.sources[0].discover_workflows);
    CHECK_FALSE(none.sources[0].batch_jobs);

    const Config discover = load(kMinimal + "workflows = \"discover\"\nbatch_jobs = true\n");
    CHECK(discover.sources[0].discover_workflows);
    CHECK(discover.sources[0].workflow_ids.empty());
    CHECK(discover.sources[0].batch_jobs);

    const Config listed = load(kMinimal + "workflows = [\"w1\", \"w_2-b\"]\nbatch_jobs = false\n");
    CHECK_FALSE(listed.sources[0].discover_workflows);
    CHECK(listed.sources[0].workflow_ids == std::vector<std::string>{"w1", "w_2-b"});
    CHECK_FALSE(listed.sources[0].batch_jobs);

    expect_error(kMinimal + "workflows = \"all\"\n", "8:13", {"workflows", "discover"});
    expect_error(kMinimal + "workflows = []\n", "8:13", {"[[source]] workflows must not be empty"});
    expect_error(kMinimal + "workflows = [\"w1\", \"w1\"]\n", "8:20",
                 {"[[source]] workflows: 'w1' is listed twice"});
    expect_error(kMinimal + "workflows = [\"w1\", \"w 2\"]\n", "8:20",
                 {"[[source]] workflows: 'w 2' is not a workflow ID"});
    expect_error(kMinimal + "batch_jobs = \"yes\"\n", "8:14", {"batch_jobs", "boolean"});
}
