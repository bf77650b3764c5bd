#include "jobsync/config/config.hpp"

#include "jobsync/config/audit_config.hpp"
#include "jobsync/config/config_file.hpp"
#include "jobsync/config/credentials.hpp"
#include "jobsync/config/database_url.hpp"
#include "jobsync/config/endpoint.hpp"
#include "jobsync/config/plain_identifier.hpp"
#include "jobsync/config/toml_reader.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

namespace jobsync {

namespace {

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

// [database] timeouts: bounded here, so a typo cannot turn them into hours
// or an overflow at connect time.
struct TimeoutBound {
    std::string_view key;
    long DatabaseConfig::*field;
    Zero zero;
    long max_seconds;
};

void read_database_timeouts(const Section& section, DatabaseConfig& database)
{
    static const TimeoutBound bounds[] = {
        {"lock_timeout", &DatabaseConfig::lock_timeout_seconds, Zero::allowed, 3600},
        {"idle_in_transaction_timeout", &DatabaseConfig::idle_in_transaction_timeout_seconds,
         Zero::allowed, 86400},
        {"connect_timeout", &DatabaseConfig::connect_timeout_seconds, Zero::rejected, 600},
        {"tcp_user_timeout", &DatabaseConfig::tcp_user_timeout_seconds, Zero::allowed, 3600},
        {"keepalive_idle", &DatabaseConfig::keepalive_idle_seconds, Zero::rejected, 7200},
    };
    for (const TimeoutBound& bound : bounds) {
        const std::optional<long> seconds = read_duration(section, bound.key, bound.zero);
        if (!seconds) {
            continue;
        }
        if (*seconds > bound.max_seconds) {
            section.diag.fail(section.table.get(bound.key)->source(),
                              label(section, bound.key) + " must be at most " +
                                  std::to_string(bound.max_seconds) + "s, got " +
                                  std::to_string(*seconds) + "s");
        }
        database.*bound.field = *seconds;
    }
}

DatabaseConfig load_database(const Section& root)
{
    DatabaseConfig database;
    const toml::table* table = read_table(root, "database");
    if (table == nullptr) {
        return database;
    }
    const Section section{*table, "[database]", root.diag};
    reject_unknown_keys(section, {"url", "schema", "lock_timeout", "idle_in_transaction_timeout",
                                  "connect_timeout", "tcp_user_timeout", "keepalive_idle"});
    // The URL is never echoed: it may hold a password.
    database.url = read_string(section, "url").value_or("");
    if (const std::optional<std::string> problem = database_url_problem(database.url)) {
        section.diag.fail(table->get("url")->source(),
                          "[database] url has " + *problem + " (the URL is not shown)");
    }
    if (std::optional<std::string> schema = read_string(section, "schema")) {
        if (!is_plain_identifier(*schema)) {
            section.diag.fail(table->get("schema")->source(),
                              "[database] schema must match [a-z_][a-z0-9_]{0,62}, got '" +
                                  *schema + "'");
        }
        database.schema = *schema;
    }
    read_database_timeouts(section, database);
    return database;
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

bool is_workflow_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// workflows: a list of workflow IDs, or "discover" (list the bucket's
// workflows with GET /workflow each run); batch_jobs: walk batch jobs too.
void read_pipelines(const Section& section, SourceConfig& source)
{
    const toml::node* node = section.table.get("workflows");
    if (node != nullptr && node->is_string()) {
        if (node->as_string()->get() != "discover") {
            section.diag.fail(node->source(),
                              label(section, "workflows") +
                                  " must be an array of workflow IDs or \"discover\"");
        }
        source.discover_workflows = true;
    } else {
        source.workflow_ids =
            read_unique_strings(section, "workflows", nullptr).value_or(std::vector<std::string>{});
        const toml::array* ids = source.workflow_ids.empty() ? nullptr : node->as_array();
        for (std::size_t i = 0; ids != nullptr && i < ids->size(); ++i) {
            const toml::node& element = *ids->get(i);
            // A query parameter and a partition's key: plain ids only.
            const std::string& id = element.as_string()->get();
            if (!std::all_of(id.begin(), id.end(), is_workflow_id_char)) {
                section.diag.fail(element.source(), label(section, "workflows") + ": '" + id +
                                                        "' is not a workflow ID (letters, "
                                                        "digits, '-' and '_' only)");
            }
        }
    }
    source.batch_jobs = read_boolean(section, "batch_jobs").value_or(false);
}

SourceConfig load_source(const Section& section, const Credentials& global,
                         bool require_credentials)
{
    reject_unknown_keys(section, {"bucket", "region", "endpoint", "tags", "queues", "queue_type",
                                  "workflows", "batch_jobs", "start_time", "secret_id",
                                  "secret_key", "security_token", "allow_insecure_http"});
    SourceConfig source;
    source.bucket = require_host_label(section, "bucket");
    source.region = require_host_label(section, "region");
    read_endpoint(section, source);
    source.tags = read_unique_strings(section, "tags", &all_api_tags()).value_or(all_api_tags());
    read_queues(section, source);
    read_pipelines(section, source);
    source.start_time = read_offset_date_time(section, "start_time");
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
                            "max_requests_per_second", "ids_per_request", "lease"});
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
    // Each key's longest sane value (README, config/example.toml): beyond it a
    // value is a typo, and `lease * 1000` or `now - refresh_horizon` stays far
    // from overflow.
    constexpr long kMinute = 60;
    constexpr long kHour = 60 * kMinute;
    constexpr long kDay = 24 * kHour;
    const auto duration = [&s](std::string_view key, Zero zero, long max_seconds, long fallback) {
        return read_duration(s, key, zero, max_seconds).value_or(fallback);
    };
    sync.lookback_seconds = duration("lookback", Zero::allowed, 30 * kDay, sync.lookback_seconds);
    sync.settle_delay_seconds =
        duration("settle_delay", Zero::allowed, kDay, sync.settle_delay_seconds);
    sync.refresh_horizon_seconds =
        duration("refresh_horizon", Zero::rejected, 3650 * kDay, sync.refresh_horizon_seconds);
    sync.connect_timeout_seconds =
        duration("connect_timeout", Zero::rejected, 10 * kMinute, sync.connect_timeout_seconds);
    sync.request_timeout_seconds =
        duration("request_timeout", Zero::rejected, kHour, sync.request_timeout_seconds);
    sync.retry_max_seconds =
        duration("retry_max_time", Zero::rejected, kDay, sync.retry_max_seconds);
    sync.token_max_age_seconds =
        duration("token_max_age", Zero::rejected, 7 * kDay, sync.token_max_age_seconds);
    sync.lease_seconds = duration("lease", Zero::rejected, kDay, sync.lease_seconds);
    return sync;
}

// "host:port" (an IPv6 host in brackets).
void read_listen_address(const Section& section, ListenConfig& listen)
{
    const std::optional<std::string> address = read_string(section, "address");
    if (!address) {
        return;
    }
    const auto fail = [&](const std::string& why) {
        section.diag.fail(section.table.get("address")->source(),
                          "[listen] address must be host:port, e.g. 127.0.0.1:8089 (" + why +
                              "), got '" + *address + "'");
    };
    const std::size_t colon = address->rfind(':');
    if (colon == std::string::npos || colon == 0) {
        fail("no host or no port");
    }
    const std::string port = address->substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stol(port) < 1 ||
        std::stol(port) > 65535) {
        fail("the port must be 1..65535");
    }
    std::string host = address->substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.find_first_of("[]/ ") != std::string::npos) {
        fail("a bad host");
    }
    listen.host = host;
    listen.port = static_cast<int>(std::stol(port));
}

// How long a request may take and how often a callback's ids are tried.
void read_listen_limits(const Section& section, ListenConfig& listen)
{
    listen.max_attempts = static_cast<int>(
        read_integer(section, "max_attempts", 1, 100).value_or(listen.max_attempts));
    if (const std::optional<long> timeout =
            read_duration(section, "request_timeout", Zero::rejected)) {
        if (*timeout > kMaxListenRequestTimeoutSeconds) {
            section.diag.fail(section.table.get("request_timeout")->source(),
                              "[listen] request_timeout must be at most 1h");
        }
        listen.request_timeout_seconds = *timeout;
    }
}

ListenConfig load_listen(const Section& root)
{
    ListenConfig listen;
    if (const toml::table* table = read_table(root, "listen")) {
        const Section section{*table, "[listen]", root.diag};
        reject_unknown_keys(section, {"address", "path", "token", "max_body_bytes", "max_attempts",
                                      "request_timeout"});
        read_listen_address(section, listen);
        if (std::optional<std::string> path = read_string(section, "path")) {
            if (path->empty() || path->front() != '/' ||
                path->find_first_of("?# ") != std::string::npos || holds_control_character(*path)) {
                section.diag.fail(table->get("path")->source(),
                                  "[listen] path must start with '/' and hold no '?', '#', spaces "
                                  "or control characters, got '" +
                                      *path + "'");
            }
            listen.path = *path;
        }
        listen.token = read_secret(section, "token").value_or("");
        listen.max_body_bytes = read_integer(section, "max_body_bytes", 1024, 64L * 1024 * 1024)
                                    .value_or(listen.max_body_bytes);
        read_listen_limits(section, listen);
    }
    listen.token = resolve_secret(listen.token, "CI_JOBSYNC_LISTEN_TOKEN", "listen_token");
    return listen;
}

} // namespace

Config load_config(const std::string& path, bool require_credentials)
{
    const Diagnostics diag(path);
    const std::string text = read_config_file(path);
    const toml::table root_table = parse_toml(text, diag);
    const Section root{root_table, "", diag};
    reject_unknown_keys(root, {"database", "credentials", "source", "sync", "listen", "audit"});

    Config config;
    config.path = path;
    config.database = load_database(root);
    config.credentials = load_global_credentials(root);
    config.sources = load_sources(root, config.credentials, require_credentials);
    config.sync = load_sync(root);
    config.listen = load_listen(root);
    config.audit = load_audit(root);
    config.file_holds_secret = file_holds_secret(root_table, config.database);
    warn_about_permissions(path, config.file_holds_secret);
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
