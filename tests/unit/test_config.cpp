#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace jobsync;

namespace {

// A config file under /tmp, removed when the test ends.
class TempFile {
public:
    explicit TempFile(const std::string& text)
    {
        char name[] = "/tmp/ci-jobsync-config-XXXXXX";
        const int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        path_ = name;
        const ssize_t written = write(fd, text.data(), text.size());
        close(fd);
        REQUIRE(written == static_cast<ssize_t>(text.size()));
    }
    ~TempFile() { unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Unsets the variables load_config and resolve_config_path read, so the
// developer's environment cannot change results; restores them afterwards.
class CleanEnv {
public:
    CleanEnv()
    {
        for (const char* name :
             {"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECURITY_TOKEN",
              "CI_JOBSYNC_CONFIG", "CREDENTIALS_DIRECTORY"}) {
            const char* value = std::getenv(name);
            saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
            unsetenv(name);
        }
    }
    ~CleanEnv()
    {
        for (const auto& [name, value] : saved_) {
            if (value) {
                setenv(name.c_str(), value->c_str(), 1);
            } else {
                unsetenv(name.c_str());
            }
        }
    }
    CleanEnv(const CleanEnv&) = delete;
    CleanEnv& operator=(const CleanEnv&) = delete;

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Seven lines; text appended to it starts on line 8.
const std::string kMinimal = R"([credentials]
secret_id = "AKIDtest"
secret_key = "minimal-secret"

[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
)";

// Same, without credentials; text appended starts on line 4.
const std::string kNoCredentials = R"([[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
)";

Config load(const std::string& text)
{
    const TempFile file(text);
    return load_config(file.path());
}

struct Failure {
    std::string path;
    std::string message;
};

Failure failure_of(const std::string& text)
{
    const TempFile file(text);
    try {
        load_config(file.path());
    } catch (const ConfigError& error) {
        return {file.path(), error.what()};
    }
    FAIL("load_config accepted:\n" << text);
    return {};
}

// Asserts that the message points at `position` ("line:column") and mentions every fragment.
void expect_error(const std::string& text, const std::string& position,
                  std::initializer_list<std::string> fragments)
{
    const Failure failure = failure_of(text);
    INFO("config:\n" << text << "\nmessage: " << failure.message);
    const std::string prefix = failure.path + ":" + position + ": ";
    CHECK(failure.message.compare(0, prefix.size(), prefix) == 0);
    for (const std::string& fragment : fragments) {
        CHECK(failure.message.find(fragment) != std::string::npos);
    }
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

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
}

TEST_CASE("config: parse_duration_seconds accepts an integer and one unit")
{
    CHECK(parse_duration_seconds("30s") == 30L);
    CHECK(parse_duration_seconds("15m") == 900L);
    CHECK(parse_duration_seconds("2h") == 7200L);
    CHECK(parse_duration_seconds("7d") == 604800L);
    CHECK(parse_duration_seconds("0s") == 0L);
    CHECK(parse_duration_seconds("007m") == 420L);
    for (const char* bad : {"", "s", "15", "-5m", "+5m", "15 m", " 15m", "15m ", "15M", "1.5h",
                            "15min", "15w", "1h30m", "0x10s"}) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_duration_seconds(bad).has_value());
    }
    // Overflow is refused rather than wrapped.
    CHECK_FALSE(parse_duration_seconds("9223372036854775808s").has_value());
    CHECK_FALSE(parse_duration_seconds("99999999999999999999999s").has_value());
    CHECK_FALSE(parse_duration_seconds("106751991167301d").has_value());
    CHECK(parse_duration_seconds("9223372036854775807s") == 9223372036854775807L);
}

TEST_CASE("config: unknown keys are rejected where they stand")
{
    const CleanEnv env;
    expect_error(kMinimal + "\n[sync]\npage_sze = 1\n", "10:1",
                 {"unknown key 'page_sze' in [sync]"});
    expect_error("verbose = true\n" + kMinimal, "1:1", {"unknown key 'verbose' at the top level"});
    expect_error(kMinimal + "[database]\nurl = \"\"\nhost = \"db\"\n", "10:1",
                 {"unknown key 'host' in [database]"});
    expect_error("[credentials]\nsecret_id = \"a\"\nsecretkey = \"b\"\n" + kNoCredentials, "3:1",
                 {"unknown key 'secretkey' in [credentials]"});
    expect_error(kMinimal + "\n[[source]]\nbucket = \"other-1\"\nregion = \"ap-x\"\ntag = []\n",
                 "12:1", {"unknown key 'tag' in [[source]]"});
    // The earliest of several unknown keys is reported, not the alphabetically first.
    expect_error(kMinimal + "[sync]\nzzz = 1\naaa = 2\n", "9:1", {"unknown key 'zzz'"});
}

TEST_CASE("config: wrong types name the key, the expected type and the position")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\npage_size = \"100\"\n", "9:13",
                 {"[sync] page_size must be an integer, got a string"});
    expect_error(kMinimal + "[sync]\nlookback = 15\n", "9:12",
                 {"[sync] lookback must be a string, got an integer"});
    expect_error(kMinimal + "[sync]\nmax_attempts = 2.5\n", "9:16",
                 {"[sync] max_attempts must be an integer, got a float"});
    expect_error(kMinimal + "tags = \"Transcode\"\n", "8:8",
                 {"[[source]] tags must be an array of strings, got a string"});
    expect_error(kMinimal + "queues = [\"q1\", 2]\n", "8:17",
                 {"[[source]] queues must be an array of strings, got an integer"});
    expect_error(kMinimal + "endpoint = true\n", "8:12",
                 {"[[source]] endpoint must be a string, got a boolean"});
    expect_error("database = \"postgresql:///x\"\n" + kMinimal, "1:12",
                 {"database must be a table, got a string"});
    expect_error(kMinimal + "[database]\nschema = 5\n", "9:10", {"[database] schema must be"});
    expect_error("sync = 3\n" + kMinimal, "1:8", {"sync must be a table"});
    expect_error("[source]\nbucket = \"b\"\nregion = \"r\"\n", "1:1",
                 {"source must be an array of tables ([[source]]), got a table"});
    expect_error("[[source]]\nbucket = 17\nregion = \"r\"\n", "2:10",
                 {"[[source]] bucket must be a string, got an integer"});
}

TEST_CASE("config: integers out of range")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\npage_size = 500\n", "9:13",
                 {"[sync] page_size must be between 1 and 100, got 500"});
    expect_error(kMinimal + "[sync]\npage_size = 0\n", "9:13",
                 {"[sync] page_size must be between 1 and 100, got 0"});
    expect_error(kMinimal + "[sync]\nmax_attempts = 101\n", "9:16",
                 {"[sync] max_attempts must be between 1 and 100, got 101"});
    expect_error(kMinimal + "[sync]\nmax_response_bytes = 1023\n", "9:22",
                 {"[sync] max_response_bytes must be at least 1024, got 1023"});
    expect_error(kMinimal + "[sync]\nmax_attempts = -1\n", "9:16", {"got -1"});
}

TEST_CASE("config: bad durations")
{
    const CleanEnv env;
    expect_error(kMinimal + "[sync]\nlookback = \"15 minutes\"\n", "9:12",
                 {"[sync] lookback: bad duration '15 minutes' (expected an integer and one of s, "
                  "m, h, d, like \"15m\")"});
    expect_error(kMinimal + "[sync]\nsettle_delay = \"-5s\"\n", "9:16",
                 {"[sync] settle_delay: bad duration '-5s'"});
    expect_error(kMinimal + "[sync]\nrefresh_horizon = \"7\"\n", "9:19",
                 {"[sync] refresh_horizon: bad duration '7'"});
    expect_error(kMinimal + "[sync]\ntoken_max_age = \"1.5h\"\n", "9:17",
                 {"[sync] token_max_age: bad duration '1.5h'"});
    expect_error(kMinimal + "[sync]\nretry_max_time = \"99999999999999999999d\"\n", "9:18",
                 {"[sync] retry_max_time: bad duration"});
    expect_error(kMinimal + "[sync]\nretry_max_time = \"36501d\"\n", "9:18",
                 {"[sync] retry_max_time must be at most 36500d"});
    // Timeouts must be positive; zero is only fine where it means "no delay".
    for (const char* key : {"connect_timeout", "request_timeout", "retry_max_time",
                            "refresh_horizon", "token_max_age"}) {
        const std::string text = kMinimal + "[sync]\n" + key + " = \"0s\"\n";
        expect_error(text, "9:" + std::to_string(std::strlen(key) + 4),
                     {std::string("[sync] ") + key + " must be greater than zero, got '0s'"});
    }
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

TEST_CASE("config: endpoint")
{
    const CleanEnv env;
    const auto endpoint_of = [](const std::string& value) {
        const SourceConfig source = load(kMinimal + "endpoint = \"" + value + "\"\n").sources.at(0);
        return std::make_pair(source.endpoint, source.host);
    };
    CHECK(endpoint_of("http://127.0.0.1:18080") ==
          std::make_pair(std::string("http://127.0.0.1:18080"), std::string("127.0.0.1:18080")));
    CHECK(endpoint_of("http://127.0.0.1:18080/") ==
          std::make_pair(std::string("http://127.0.0.1:18080"), std::string("127.0.0.1:18080")));
    CHECK(endpoint_of("https://ci.example.com//") ==
          std::make_pair(std::string("https://ci.example.com"), std::string("ci.example.com")));
    CHECK(endpoint_of("http://[::1]:18080").second == "[::1]:18080");

    for (const char* bad :
         {"ftp://example.com", "127.0.0.1:18080", "http://", "https:///", "http://host/prefix",
          "http://host?x=1", "HTTP://host", "http://user:hunter2@host"}) {
        const std::string text = kMinimal + "endpoint = \"" + bad + "\"\n";
        expect_error(text, "8:12", {"[[source]] endpoint must be http:// or https://"});
        CHECK_FALSE(contains(failure_of(text).message, "hunter2"));
    }
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

TEST_CASE("config: the environment overrides [credentials]")
{
    const CleanEnv env;
    const std::string text = "[credentials]\nsecret_id = \"file-id\"\nsecret_key = \"file-key\"\n"
                             "security_token = \"file-token\"\n\n" +
                             kNoCredentials;

    setenv("TENCENTCLOUD_SECRET_ID", "env-id", 1);
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    setenv("TENCENTCLOUD_SECURITY_TOKEN", "env-token", 1);
    Config config = load(text);
    CHECK(config.credentials.secret_id == "env-id");
    CHECK(config.credentials.secret_key == "env-key");
    CHECK(config.credentials.security_token == "env-token");
    CHECK(config.sources.at(0).credentials.secret_id == "env-id");
    CHECK(config.sources.at(0).credentials.secret_key == "env-key");
    CHECK(config.sources.at(0).credentials.security_token == "env-token");

    // Set but empty means "not set": the file's value stays.
    setenv("TENCENTCLOUD_SECRET_KEY", "", 1);
    unsetenv("TENCENTCLOUD_SECURITY_TOKEN");
    config = load(text);
    CHECK(config.credentials.secret_id == "env-id");
    CHECK(config.credentials.secret_key == "file-key");
    CHECK(config.credentials.security_token == "file-token");

    // The environment alone is enough.
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    config = load(kNoCredentials);
    CHECK(config.sources.at(0).credentials.secret_id == "env-id");
    CHECK(config.sources.at(0).credentials.secret_key == "env-key");
    CHECK(config.sources.at(0).credentials.security_token.empty());

    // A source's own keys win over the environment.
    config = load(kNoCredentials + "secret_id = \"own-id\"\nsecret_key = \"own-key\"\n");
    CHECK(config.sources.at(0).credentials.secret_id == "own-id");
    CHECK(config.sources.at(0).credentials.secret_key == "own-key");
    CHECK(config.credentials.secret_id == "env-id");
}

TEST_CASE("config: systemd credential files override the file and the environment")
{
    const CleanEnv env;
    char directory[] = "/tmp/ci-jobsync-credentials-XXXXXX";
    REQUIRE(mkdtemp(directory) != nullptr);
    const std::string key_path = std::string(directory) + "/secret_key";
    {
        std::ofstream out(key_path);
        out << "key-from-credential-file\n";
    }
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key", 1);
    setenv("CREDENTIALS_DIRECTORY", directory, 1);
    const Config config = load(kMinimal);
    CHECK(config.credentials.secret_key == "key-from-credential-file"); // newline trimmed
    CHECK(config.credentials.secret_id == "AKIDtest"); // no secret_id file: unchanged
    CHECK(config.sources.at(0).credentials.secret_key == "key-from-credential-file");
    unlink(key_path.c_str());
    rmdir(directory);
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

TEST_CASE("config: commands that never call the API load without keys")
{
    const CleanEnv env;
    const TempFile file(kNoCredentials);
    CHECK_THROWS_AS(load_config(file.path()), ConfigError);
    const Config config = load_config(file.path(), false);
    CHECK(config.sources.at(0).credentials.secret_key.empty());
}

TEST_CASE("config: per-source credentials and missing credentials")
{
    const CleanEnv env;
    const Config config = load(kMinimal + "secret_id = \"AKIDown\"\nsecret_key = \"own-key\"\n"
                                          "security_token = \"own-token\"\n"
                                          "\n[[source]]\nbucket = \"second-1\"\nregion = \"r\"\n");
    REQUIRE(config.sources.size() == 2);
    CHECK(config.sources[0].credentials.secret_id == "AKIDown");
    CHECK(config.sources[0].credentials.secret_key == "own-key");
    CHECK(config.sources[0].credentials.security_token == "own-token");
    CHECK(config.sources[1].credentials.secret_id == "AKIDtest");
    CHECK(config.sources[1].credentials.secret_key == "minimal-secret");

    expect_error(kMinimal + "secret_id = \"AKIDown\"\n", "8:13",
                 {"[[source]] secret_id and secret_key must be given together"});
    expect_error(kMinimal + "secret_key = \"own-key\"\n", "8:14",
                 {"[[source]] secret_id and secret_key must be given together"});
    expect_error(kMinimal + "security_token = \"own-token\"\n", "8:18",
                 {"[[source]] security_token needs secret_id and secret_key"});

    const std::string hint = "set [credentials] secret_id/secret_key or "
                             "TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY";
    expect_error(kNoCredentials, "1:1",
                 {"no credentials for source 'examplebucket-1250000000': " + hint});
    expect_error("[credentials]\nsecret_id = \"a\"\n\n" + kNoCredentials, "4:1",
                 {"no credentials for source 'examplebucket-1250000000'"});
    expect_error("[credentials]\nsecret_id = \"a\"\nsecret_key = \"\"\n\n" + kNoCredentials, "5:1",
                 {"no credentials for source"});
}

TEST_CASE("config: secret values never appear in messages")
{
    const CleanEnv env;
    const auto message_of = [](const std::string& text) { return failure_of(text).message; };

    std::string message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = 31415926\n" + kNoCredentials);
    CHECK(contains(message, ":3:14: [credentials] secret_key must be a string, got an integer"));
    CHECK_FALSE(contains(message, "31415926"));

    message = message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"k\"\n"
                         "security_token = [\"tok-27182818\"]\n" +
                         kNoCredentials);
    CHECK(contains(message, ":4:18: [credentials] security_token must be a string"));
    CHECK_FALSE(contains(message, "27182818"));

    message =
        message_of(kMinimal + "secret_id = \"AKIDown\"\nsecret_key = { v = \"s-16180339\" }\n");
    CHECK(contains(message, ":9:14: [[source]] secret_key must be a string, got a table"));
    CHECK_FALSE(contains(message, "16180339"));

    // toml++ quotes an unparsable number in its message; on a secret's line that is withheld.
    message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = 14142135623730950488016\n" +
                   kNoCredentials);
    CHECK(contains(message, ":3:"));
    CHECK(contains(message, "TOML syntax error"));
    CHECK_FALSE(contains(message, "14142135623730950488016"));

    // Also for an error on a later line of a multi-line secret.
    message =
        message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"\"\"\nab\\qSECRET77\"\"\"\n" +
                   kNoCredentials);
    CHECK(contains(message, ":4:"));
    CHECK_FALSE(contains(message, "SECRET77"));

    message = message_of("[credentials]\nsecret_id = \"a\"\nsecret_key = \"x\\u0001y-57721566\"\n" +
                         kNoCredentials);
    CHECK(contains(message, "[credentials] secret_key must not contain control characters"));
    CHECK_FALSE(contains(message, "57721566"));

    // An unknown key is named, its value is not.
    message = message_of("[credentials]\nsecret_id = \"a\"\nsecretkey = \"s-26535897\"\n" +
                         kNoCredentials);
    CHECK(contains(message, "unknown key 'secretkey'"));
    CHECK_FALSE(contains(message, "26535897"));

    // Missing secret_id with a key from the environment: the key is not echoed.
    setenv("TENCENTCLOUD_SECRET_KEY", "env-key-69314718", 1);
    message = message_of(kNoCredentials);
    CHECK(contains(message, "no credentials for source"));
    CHECK_FALSE(contains(message, "69314718"));
}

TEST_CASE("config: TOML syntax errors carry the file and position")
{
    const CleanEnv env;
    const Failure failure = failure_of(kMinimal + "[sync]\npage_size = = 1\n");
    CHECK(failure.message.rfind(failure.path + ":9:", 0) == 0);
    CHECK(contains(failure.message, "TOML syntax error: "));

    // Away from secrets, toml++'s description is kept.
    const Failure duplicate = failure_of(kMinimal + "[sync]\npage_size = 1\npage_size = 2\n");
    CHECK(duplicate.message.rfind(duplicate.path + ":10:", 0) == 0);
    CHECK(contains(duplicate.message, "page_size"));
}

TEST_CASE("config: an unreadable file is reported with the reason")
{
    const CleanEnv env;
    const std::string missing = "/tmp/ci-jobsync-no-such-dir/config.toml";
    try {
        load_config(missing);
        FAIL("load_config accepted a missing file");
    } catch (const ConfigError& error) {
        CHECK(std::string(error.what()) ==
              "cannot read config file '" + missing + "': " + std::strerror(ENOENT));
    }
    try {
        load_config("/tmp");
        FAIL("load_config accepted a directory");
    } catch (const ConfigError& error) {
        CHECK(std::string(error.what()) ==
              std::string("cannot read config file '/tmp': ") + std::strerror(EISDIR));
    }
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

TEST_CASE("config: file_holds_secret looks at values, not at words in comments")
{
    const CleanEnv env;
    CHECK(load(kMinimal).file_holds_secret);
    const std::string commented = "# secret_key = \"x\" goes to a credential file\n"
                                  "[credentials]\nsecurity_token = \"\"\n" +
                                  kNoCredentials;
    CHECK_FALSE(load_config(TempFile(commented).path(), false).file_holds_secret);
    CHECK(load(kNoCredentials + "secret_id = \"AKIDx\"\nsecret_key = \"per-source\"\n")
              .file_holds_secret);
    CHECK(load_config(
              TempFile("[database]\nurl = \"postgresql://u:pw@db/x\"\n" + kNoCredentials).path(),
              false)
              .file_holds_secret);
    CHECK(
        load_config(TempFile("[database]\nurl = \"host=db password=pw\"\n" + kNoCredentials).path(),
                    false)
            .file_holds_secret);
    CHECK_FALSE(
        load_config(TempFile("[database]\nurl = \"postgresql://u@db/x\"\n" + kNoCredentials).path(),
                    false)
            .file_holds_secret);
}
