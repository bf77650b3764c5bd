#include "jobsync/config/config.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"

#include <toml++/toml.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

namespace jobsync {

namespace {

// Longer durations are certainly typos, and capping them keeps later
// arithmetic (milliseconds for curl, now - lookback) far from overflow.
constexpr long kMaxDurationSeconds = 36500L * 86400;
constexpr std::string_view kDurationHint =
    "(expected an integer and one of s, m, h, d, like \"15m\")";
constexpr std::string_view kCredentialsHint =
    "set [credentials] secret_id/secret_key or TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY";

// Formats "<file>:<line>:<column>: " prefixes and throws ConfigError.
class Diagnostics {
public:
    explicit Diagnostics(std::string path) : path_(std::move(path)) {}

    std::string at(const toml::source_position& pos) const
    {
        // The root table has no position of its own; point at the file's start.
        const auto line = pos.line == 0 ? 1u : pos.line;
        const auto column = pos.column == 0 ? 1u : pos.column;
        return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    }

    [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const
    {
        throw ConfigError(at(where.begin) + what);
    }

private:
    std::string path_;
};

// A table being read, with the name messages give it ("[sync]", "[[source]]").
struct Section {
    const toml::table& table;
    std::string name; // "" for the top level
    const Diagnostics& diag;
};

std::string label(const Section& section, std::string_view key)
{
    return section.name.empty() ? std::string(key) : section.name + " " + std::string(key);
}

std::string_view type_name(toml::node_type type)
{
    switch (type) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a local date";
    case toml::node_type::time:
        return "a local time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

[[noreturn]] void wrong_type(const Section& section, std::string_view key, const toml::node& node,
                             std::string_view expected)
{
    // Only the type is named: the value may be a secret.
    section.diag.fail(node.source(), label(section, key) + " must be " + std::string(expected) +
                                         ", got " + std::string(type_name(node.type())));
}

void reject_unknown_keys(const Section& section, std::initializer_list<std::string_view> allowed)
{
    const toml::key* first = nullptr;
    for (auto&& [key, node] : section.table) {
        (void)node;
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) {
            continue;
        }
        // Tables iterate in key order; report the earliest in the file instead.
        const auto& pos = key.source().begin;
        if (first == nullptr || pos.line < first->source().begin.line ||
            (pos.line == first->source().begin.line && pos.column < first->source().begin.column)) {
            first = &key;
        }
    }
    if (first != nullptr) {
        const std::string where = section.name.empty() ? "at the top level" : "in " + section.name;
        section.diag.fail(first->source(),
                          "unknown key '" + std::string(first->str()) + "' " + where);
    }
}

const toml::table* read_table(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return nullptr;
    }
    if (!node->is_table()) {
        wrong_type(section, key, *node, "a table");
    }
    return node->as_table();
}

std::optional<std::string> read_string(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_string()) {
        wrong_type(section, key, *node, "a string");
    }
    return node->as_string()->get();
}

std::string require_string(const Section& section, std::string_view key)
{
    std::optional<std::string> value = read_string(section, key);
    if (!value) {
        section.diag.fail(section.table.source(),
                          section.name + " is missing required key '" + std::string(key) + "'");
    }
    if (value->empty()) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + " must not be empty");
    }
    return *value;
}

std::optional<long> read_integer(const Section& section, std::string_view key, long min, long max)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_integer()) {
        wrong_type(section, key, *node, "an integer");
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
        const std::string range =
            max == LONG_MAX ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
        section.diag.fail(node->source(), label(section, key) + " must be " + range + ", got " +
                                              std::to_string(value));
    }
    return static_cast<long>(value);
}

// A rate: an integer or a float, at least 0 (0 => unlimited).
double read_rate(const Section& section, std::string_view key)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return 0;
    }
    if (!node->is_integer() && !node->is_floating_point()) {
        wrong_type(section, key, *node, "a number");
    }
    const double value = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                            : node->as_floating_point()->get();
    if (!(value >= 0) || value > 1e6) {
        section.diag.fail(node->source(),
                          label(section, key) + " must be between 0 (unlimited) and 1000000");
    }
    return value;
}

enum class Zero { allowed, rejected };

std::optional<long> read_duration(const Section& section, std::string_view key, Zero zero)
{
    std::optional<std::string> text = read_string(section, key);
    if (!text) {
        return std::nullopt;
    }
    const toml::source_region& where = section.table.get(key)->source();
    const std::optional<long> seconds = parse_duration_seconds(*text);
    if (!seconds) {
        section.diag.fail(where, label(section, key) + ": bad duration '" + *text + "' " +
                                     std::string(kDurationHint));
    }
    if (*seconds == 0 && zero == Zero::rejected) {
        section.diag.fail(where,
                          label(section, key) + " must be greater than zero, got '" + *text + "'");
    }
    if (*seconds > kMaxDurationSeconds) {
        section.diag.fail(where,
                          label(section, key) + " must be at most 36500d, got '" + *text + "'");
    }
    return seconds;
}

// Reads a list of distinct non-empty strings; `allowed` (if given) limits the values.
std::optional<std::vector<std::string>> read_unique_strings(const Section& section,
                                                            std::string_view key,
                                                            const std::vector<std::string>* allowed)
{
    const toml::node* node = section.table.get(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_array()) {
        wrong_type(section, key, *node, "an array of strings");
    }
    const toml::array& array = *node->as_array();
    if (array.empty()) {
        section.diag.fail(node->source(), label(section, key) + " must not be empty (leave it "
                                                                "out to use the default)");
    }
    std::vector<std::string> values;
    for (const toml::node& element : array) {
        if (!element.is_string()) {
            wrong_type(section, key, element, "an array of strings");
        }
        const std::string& value = element.as_string()->get();
        const auto& diag = section.diag;
        if (value.empty()) {
            diag.fail(element.source(), label(section, key) + " must not contain empty strings");
        }
        if (allowed != nullptr &&
            std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
            std::string known;
            for (const auto& name : *allowed) {
                known += (known.empty() ? "" : ", ") + name;
            }
            diag.fail(element.source(), label(section, key) + ": unknown value '" + value +
                                            "' (expected one of " + known + ")");
        }
        if (std::find(values.begin(), values.end(), value) != values.end()) {
            diag.fail(element.source(), label(section, key) + ": '" + value + "' is listed twice");
        }
        values.push_back(value);
    }
    return values;
}

bool is_leap_year(std::int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Days from 0000-01-01 to the given date (proleptic Gregorian, year >= 0 as in TOML).
std::int64_t days_since_year_zero(std::int64_t year, unsigned month, unsigned day)
{
    static constexpr int kDaysBeforeMonth[12] = {0,   31,  59,  90,  120, 151,
                                                 181, 212, 243, 273, 304, 334};
    // Leap years in [0, year): year 0 itself is one.
    const std::int64_t leap_days = (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    std::int64_t days = 365 * year + leap_days + kDaysBeforeMonth[month - 1] + (day - 1);
    if (month > 2 && is_leap_year(year)) {
        days += 1;
    }
    return days;
}

UnixSeconds to_unix_seconds(const toml::date_time& value)
{
    const toml::date& d = value.date;
    const toml::time& t = value.time;
    const std::int64_t days =
        days_since_year_zero(d.year, d.month, d.day) - days_since_year_zero(1970, 1, 1);
    const std::int64_t local = days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    return local - static_cast<std::int64_t>(value.offset->minutes) * 60;
}

std::optional<UnixSeconds> read_start_time(const Section& section)
{
    const toml::node* node = section.table.get("start_time");
    if (node == nullptr) {
        return std::nullopt;
    }
    constexpr std::string_view expected =
        "an offset date-time like 2024-01-01T00:00:00+08:00 (unquoted)";
    if (node->is_date_time() && !node->as_date_time()->get().offset) {
        section.diag.fail(node->source(), label(section, "start_time") + " must be " +
                                              std::string(expected) +
                                              ", got a local date-time without a UTC offset");
    }
    if (!node->is_date_time()) {
        wrong_type(section, "start_time", *node, expected);
    }
    return to_unix_seconds(node->as_date_time()->get());
}

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Bucket and region become part of the default host name.
std::string require_host_label(const Section& section, std::string_view key)
{
    std::string value = require_string(section, key);
    if (!std::all_of(value.begin(), value.end(), is_name_char)) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + " may contain only a-z, 0-9 and '-', got '" +
                              value + "'");
    }
    return value;
}

bool is_authority_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

// Sets endpoint and host; an endpoint with a path, query or user info is
// refused because requests are signed for the bare path.
void read_endpoint(const Section& section, SourceConfig& source)
{
    std::optional<std::string> text = read_string(section, "endpoint");
    if (!text) {
        source.host = source.bucket + ".ci." + source.region + ".myqcloud.com";
        source.endpoint = "https://" + source.host;
        return;
    }
    std::string endpoint = *text;
    while (!endpoint.empty() && endpoint.back() == '/') {
        endpoint.pop_back();
    }
    std::size_t scheme_end = 0;
    if (endpoint.rfind("http://", 0) == 0) {
        scheme_end = 7;
    } else if (endpoint.rfind("https://", 0) == 0) {
        scheme_end = 8;
    }
    const std::string host = endpoint.substr(scheme_end);
    // The value is not echoed: user info in a URL may carry a password.
    if (scheme_end == 0 || host.empty() ||
        !std::all_of(host.begin(), host.end(), is_authority_char)) {
        section.diag.fail(section.table.get("endpoint")->source(),
                          label(section, "endpoint") +
                              " must be http:// or https:// followed by host[:port] only, "
                              "like \"http://127.0.0.1:18080\"");
    }
    source.endpoint = endpoint;
    source.host = host;
}

// Credentials as written in one table, before defaults and the environment.
struct PartialCredentials {
    std::optional<std::string> secret_id;
    std::optional<std::string> secret_key;
    std::optional<std::string> security_token;
};

std::optional<std::string> read_secret(const Section& section, std::string_view key)
{
    std::optional<std::string> value = read_string(section, key);
    // They end up in an HTTP header, where a control character would split it.
    if (value && std::any_of(value->begin(), value->end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + " must not contain control characters");
    }
    return value;
}

PartialCredentials read_credentials(const Section& section)
{
    return {read_secret(section, "secret_id"), read_secret(section, "secret_key"),
            read_secret(section, "security_token")};
}

void override_from_environment(Credentials& credentials)
{
    const std::pair<const char*, std::string*> variables[] = {
        {"TENCENTCLOUD_SECRET_ID", &credentials.secret_id},
        {"TENCENTCLOUD_SECRET_KEY", &credentials.secret_key},
        {"TENCENTCLOUD_SECURITY_TOKEN", &credentials.security_token},
    };
    for (const auto& [name, field] : variables) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') {
            *field = value;
        }
    }
}

// systemd's LoadCredential= puts each secret in its own file in
// $CREDENTIALS_DIRECTORY; those win over the config file and the environment.
void override_from_credentials_directory(Credentials& credentials)
{
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr || *directory == '\0') {
        return;
    }
    const std::pair<const char*, std::string*> files[] = {
        {"secret_id", &credentials.secret_id},
        {"secret_key", &credentials.secret_key},
        {"security_token", &credentials.security_token},
    };
    for (const auto& [name, field] : files) {
        std::ifstream in(std::string(directory) + "/" + name, std::ios::binary);
        if (!in) {
            continue; // a credential not given this way keeps its other source
        }
        std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
            value.pop_back();
        }
        if (!value.empty()) {
            *field = value;
        }
    }
}

bool non_empty_string(toml::node_view<const toml::node> node)
{
    const std::optional<std::string> value = node.value<std::string>();
    return value && !value->empty();
}

bool table_holds_secret(toml::node_view<const toml::node> table)
{
    return non_empty_string(table["secret_key"]) || non_empty_string(table["security_token"]);
}

// A password in a libpq URI (scheme://user:password@host) or conninfo string.
bool url_holds_password(const std::string& url)
{
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        return url.find("password") != std::string::npos;
    }
    const std::size_t at = url.find('@', scheme_end);
    const bool in_userinfo =
        at != std::string::npos &&
        url.substr(scheme_end + 3, at - scheme_end - 3).find(':') != std::string::npos;
    return in_userinfo || url.find("password=") != std::string::npos;
}

bool file_holds_secret(const toml::table& root, const DatabaseConfig& database)
{
    const toml::node_view<const toml::node> view{root};
    if (table_holds_secret(view["credentials"]) || url_holds_password(database.url)) {
        return true;
    }
    if (const toml::array* sources = root["source"].as_array()) {
        for (const toml::node& source : *sources) {
            if (table_holds_secret(toml::node_view<const toml::node>{source})) {
                return true;
            }
        }
    }
    return false;
}

// A file holding a secret should be readable by its owner only.
void warn_if_secret_readable_by_others(const Config& config)
{
    struct stat info {};
    if (!config.file_holds_secret || ::stat(config.path.c_str(), &info) != 0 ||
        (info.st_mode & 077) == 0) {
        return;
    }
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    log_warn("config file holding a secret is readable by group or others; chmod 600 it",
             {{"path", config.path}, {"mode", mode}});
}

Credentials load_global_credentials(const Section& root)
{
    Credentials credentials;
    if (const toml::table* table = read_table(root, "credentials")) {
        const Section section{*table, "[credentials]", root.diag};
        reject_unknown_keys(section, {"secret_id", "secret_key", "security_token"});
        const PartialCredentials partial = read_credentials(section);
        credentials.secret_id = partial.secret_id.value_or("");
        credentials.secret_key = partial.secret_key.value_or("");
        credentials.security_token = partial.security_token.value_or("");
    }
    override_from_environment(credentials);
    override_from_credentials_directory(credentials);
    return credentials;
}

DatabaseConfig load_database(const Section& root)
{
    DatabaseConfig database;
    const toml::table* table = read_table(root, "database");
    if (table == nullptr) {
        return database;
    }
    const Section section{*table, "[database]", root.diag};
    reject_unknown_keys(section, {"url", "schema"});
    // The URL is never echoed: it may hold a password.
    database.url = read_string(section, "url").value_or("");
    if (std::optional<std::string> schema = read_string(section, "schema")) {
        const bool valid =
            !schema->empty() && schema->size() <= 63 &&
            std::all_of(schema->begin(), schema->end(),
                        [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                        }) &&
            !((*schema)[0] >= '0' && (*schema)[0] <= '9');
        if (!valid) {
            section.diag.fail(table->get("schema")->source(),
                              "[database] schema must match [a-z_][a-z0-9_]{0,62}, got '" +
                                  *schema + "'");
        }
        database.schema = *schema;
    }
    return database;
}

// Per-source keys win; a source without its own pair uses [credentials].
Credentials resolve_source_credentials(const Section& section, const Credentials& global,
                                       const std::string& bucket, bool require_credentials)
{
    const PartialCredentials own = read_credentials(section);
    if (own.secret_id.has_value() != own.secret_key.has_value()) {
        const auto* given = own.secret_id ? "secret_id" : "secret_key";
        section.diag.fail(section.table.get(given)->source(),
                          "[[source]] secret_id and secret_key must be given together");
    }
    if (own.security_token && !own.secret_id) {
        section.diag.fail(section.table.get("security_token")->source(),
                          "[[source]] security_token needs secret_id and secret_key in the "
                          "same [[source]]");
    }
    const Credentials resolved = own.secret_id ? Credentials{*own.secret_id, *own.secret_key,
                                                             own.security_token.value_or("")}
                                               : global;
    if (require_credentials && (resolved.secret_id.empty() || resolved.secret_key.empty())) {
        section.diag.fail(section.table.source(), "no credentials for source '" + bucket +
                                                      "': " + std::string(kCredentialsHint));
    }
    return resolved;
}

// queues: a list of queue IDs, or "discover" (list them with GET /queue at
// the start of each run); queue_type: the queueType filter of an all-queues walk.
void read_queues(const Section& section, SourceConfig& source)
{
    const toml::node* node = section.table.get("queues");
    if (node != nullptr && node->is_string()) {
        if (node->as_string()->get() != "discover") {
            section.diag.fail(node->source(), label(section, "queues") +
                                                  " must be an array of queue IDs or \"discover\"");
        }
        source.discover_queues = true;
    } else {
        source.queues =
            read_unique_strings(section, "queues", nullptr).value_or(std::vector<std::string>{});
    }
    static const std::vector<std::string> kQueueTypes{
        "Transcoding",      "Speeching",  "PicProcess", "AIProcess",
        "SpeedTranscoding", "DocProcess", "FileProcess"};
    if (const std::optional<std::string> type = read_string(section, "queue_type")) {
        const toml::node* where = section.table.get("queue_type");
        if (std::find(kQueueTypes.begin(), kQueueTypes.end(), *type) == kQueueTypes.end()) {
            section.diag.fail(where->source(),
                              label(section, "queue_type") + ": unknown value '" + *type +
                                  "' (expected Transcoding, Speeching, PicProcess, AIProcess, "
                                  "SpeedTranscoding, DocProcess or FileProcess)");
        }
        if (node != nullptr) {
            // The API ignores queueType when queueId is sent.
            section.diag.fail(where->source(),
                              label(section, "queue_type") + " cannot be combined with queues");
        }
        source.queue_type = *type;
    }
}

SourceConfig load_source(const Section& section, const Credentials& global,
                         bool require_credentials)
{
    reject_unknown_keys(section, {"bucket", "region", "endpoint", "tags", "queues", "queue_type",
                                  "start_time", "secret_id", "secret_key", "security_token"});
    SourceConfig source;
    source.bucket = require_host_label(section, "bucket");
    source.region = require_host_label(section, "region");
    read_endpoint(section, source);
    source.tags = read_unique_strings(section, "tags", &all_api_tags()).value_or(all_api_tags());
    read_queues(section, source);
    source.start_time = read_start_time(section);
    source.credentials =
        resolve_source_credentials(section, global, source.bucket, require_credentials);
    return source;
}

std::vector<SourceConfig> load_sources(const Section& root, const Credentials& global,
                                       bool require_credentials)
{
    const toml::node* node = root.table.get("source");
    if (node == nullptr) {
        root.diag.fail(root.table.source(), "no [[source]] table: at least one is required");
    }
    const toml::array* array = node->as_array();
    if (array != nullptr && array->empty()) {
        root.diag.fail(node->source(), "source is empty: at least one [[source]] is required");
    }
    if (array == nullptr || !array->is_array_of_tables()) {
        wrong_type(root, "source", *node, "an array of tables ([[source]])");
    }
    std::vector<SourceConfig> sources;
    std::map<std::string, std::uint32_t> bucket_lines;
    for (const toml::node& element : *array) {
        const Section section{*element.as_table(), "[[source]]", root.diag};
        SourceConfig source = load_source(section, global, require_credentials);
        const auto line = section.table.source().begin.line;
        const auto [it, inserted] = bucket_lines.emplace(source.bucket, line);
        if (!inserted) {
            root.diag.fail(section.table.get("bucket")->source(),
                           "[[source]] bucket '" + source.bucket +
                               "' is already configured by the [[source]] at line " +
                               std::to_string(it->second));
        }
        sources.push_back(std::move(source));
    }
    return sources;
}

SyncConfig load_sync(const Section& root)
{
    SyncConfig sync;
    const toml::table* table = read_table(root, "sync");
    if (table == nullptr) {
        return sync;
    }
    const Section s{*table, "[sync]", root.diag};
    reject_unknown_keys(s, {"page_size", "lookback", "settle_delay", "refresh_horizon",
                            "connect_timeout", "request_timeout", "max_attempts", "retry_max_time",
                            "max_response_bytes", "token_max_age", "concurrency", "metrics_file",
                            "max_requests_per_second", "ids_per_request"});
    sync.page_size =
        static_cast<int>(read_integer(s, "page_size", 1, 100).value_or(sync.page_size));
    sync.max_attempts =
        static_cast<int>(read_integer(s, "max_attempts", 1, 100).value_or(sync.max_attempts));
    sync.ids_per_request =
        static_cast<int>(read_integer(s, "ids_per_request", 1, 100).value_or(sync.ids_per_request));
    sync.max_response_bytes =
        read_integer(s, "max_response_bytes", 1024, LONG_MAX).value_or(sync.max_response_bytes);
    sync.concurrency =
        static_cast<int>(read_integer(s, "concurrency", 1, 64).value_or(sync.concurrency));
    sync.metrics_file = read_string(s, "metrics_file").value_or("");
    sync.max_requests_per_second = read_rate(s, "max_requests_per_second");
    const auto duration = [&s](std::string_view key, Zero zero, long fallback) {
        return read_duration(s, key, zero).value_or(fallback);
    };
    sync.lookback_seconds = duration("lookback", Zero::allowed, sync.lookback_seconds);
    sync.settle_delay_seconds = duration("settle_delay", Zero::allowed, sync.settle_delay_seconds);
    sync.refresh_horizon_seconds =
        duration("refresh_horizon", Zero::rejected, sync.refresh_horizon_seconds);
    sync.connect_timeout_seconds =
        duration("connect_timeout", Zero::rejected, sync.connect_timeout_seconds);
    sync.request_timeout_seconds =
        duration("request_timeout", Zero::rejected, sync.request_timeout_seconds);
    sync.retry_max_seconds = duration("retry_max_time", Zero::rejected, sync.retry_max_seconds);
    sync.token_max_age_seconds =
        duration("token_max_age", Zero::rejected, sync.token_max_age_seconds);
    return sync;
}

std::string read_whole_file(const std::string& path)
{
    const auto fail = [&path](int error) {
        return ConfigError("cannot read config file '" + path + "': " + std::strerror(error));
    };
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        throw fail(errno);
    }
    std::string text;
    char buffer[8192];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, count);
    }
    if (std::ferror(file.get())) {
        throw fail(errno); // e.g. EISDIR: fopen succeeds on a directory
    }
    return text;
}

bool mentions_secret(std::string_view line)
{
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("secret_key") != std::string::npos ||
           lower.find("security_token") != std::string::npos;
}

// toml++ quotes offending text in some syntax errors (e.g. an unquoted
// number), which could be a secret. Conservatively: does any line from the
// enclosing table header to the error line mention a secret key?
bool error_near_secret(std::string_view text, std::uint32_t error_line)
{
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size() && lines.size() < error_line;) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (mentions_secret(*it)) {
            return true;
        }
        const std::size_t first = it->find_first_not_of(" \t");
        if (first != std::string_view::npos && (*it)[first] == '[') {
            return false;
        }
    }
    return false;
}

toml::table parse_toml(const std::string& text, const Diagnostics& diag)
{
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& error) {
        const std::string detail =
            error_near_secret(text, error.source().begin.line)
                ? "TOML syntax error (details withheld: this part of the file sets a secret)"
                : "TOML syntax error: " + std::string(error.description());
        diag.fail(error.source(), detail);
    }
}

} // namespace

std::optional<long> parse_duration_seconds(const std::string& text)
{
    if (text.size() < 2) {
        return std::nullopt;
    }
    long multiplier = 0;
    switch (text.back()) {
    case 's':
        multiplier = 1;
        break;
    case 'm':
        multiplier = 60;
        break;
    case 'h':
        multiplier = 3600;
        break;
    case 'd':
        multiplier = 86400;
        break;
    default:
        return std::nullopt;
    }
    long value = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const int digit = c - '0';
        if (value > (LONG_MAX - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    if (value > LONG_MAX / multiplier) {
        return std::nullopt;
    }
    return value * multiplier;
}

Config load_config(const std::string& path, bool require_credentials)
{
    const Diagnostics diag(path);
    const std::string text = read_whole_file(path);
    const toml::table root_table = parse_toml(text, diag);
    const Section root{root_table, "", diag};
    reject_unknown_keys(root, {"database", "credentials", "source", "sync"});

    Config config;
    config.path = path;
    config.database = load_database(root);
    config.credentials = load_global_credentials(root);
    config.sources = load_sources(root, config.credentials, require_credentials);
    config.sync = load_sync(root);
    config.file_holds_secret = file_holds_secret(root_table, config.database);
    warn_if_secret_readable_by_others(config);
    return config;
}

std::string resolve_config_path(const std::string& from_command_line)
{
    if (!from_command_line.empty()) {
        return from_command_line;
    }
    const char* from_environment = std::getenv("CI_JOBSYNC_CONFIG");
    if (from_environment != nullptr && *from_environment != '\0') {
        return from_environment;
    }
    return "/etc/ci-jobsync/config.toml";
}

} // namespace jobsync
