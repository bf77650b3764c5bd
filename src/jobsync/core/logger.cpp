#include "jobsync/core/logger.hpp"

#include "jobsync/core/text_sanitizer.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace jobsync {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::info)};
std::atomic<int> g_format{static_cast<int>(LogFormat::logfmt)};
std::mutex g_write_mutex;

const char* level_name(LogLevel level)
{
    switch (level) {
    case LogLevel::debug:
        return "debug";
    case LogLevel::info:
        return "info";
    case LogLevel::warn:
        return "warn";
    case LogLevel::error:
        return "error";
    }
    return "info";
}

// journald reads "<N>" prefixes as syslog priorities when stderr is the journal.
int syslog_priority(LogLevel level)
{
    switch (level) {
    case LogLevel::debug:
        return 7;
    case LogLevel::info:
        return 6;
    case LogLevel::warn:
        return 4;
    case LogLevel::error:
        return 3;
    }
    return 6;
}

bool needs_logfmt_quotes(std::string_view value)
{
    if (value.empty()) {
        return true;
    }
    for (const char c : value) {
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' ||
            static_cast<unsigned char>(c) >= 0x7f) {
            return true;
        }
    }
    return false;
}

void append_logfmt_pair(std::string& out, std::string_view key, std::string_view value)
{
    if (!out.empty()) {
        out += ' ';
    }
    out += key;
    out += '=';
    if (needs_logfmt_quotes(value)) {
        out += '"';
        out += sanitize_text(value, TextForm::quoted);
        out += '"';
    } else {
        out += value;
    }
}

void append_json_pair(std::string& out, std::string_view key, std::string_view value)
{
    out += out.size() > 1 ? ",\"" : "\"";
    out += sanitize_text(key, TextForm::quoted);
    out += "\":\"";
    out += sanitize_text(value, TextForm::quoted);
    out += '"';
}

std::string current_timestamp()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return buffer;
}

bool stderr_is_journal()
{
    struct stat info {};
    return ::fstat(STDERR_FILENO, &info) == 0 &&
           journal_stream_matches(std::getenv("JOURNAL_STREAM"), info.st_dev, info.st_ino);
}

} // namespace

bool journal_stream_matches(const char* journal_stream, unsigned long long device,
                            unsigned long long inode)
{
    unsigned long long stream_device = 0;
    unsigned long long stream_inode = 0;
    char extra = 0;
    return journal_stream != nullptr &&
           std::sscanf(journal_stream, "%llu:%llu%c", &stream_device, &stream_inode, &extra) == 2 &&
           stream_device == device && stream_inode == inode;
}

void Logger::configure(LogLevel min_level, LogFormat format)
{
    g_min_level = static_cast<int>(min_level);
    g_format = static_cast<int>(format);
}

bool Logger::enabled(LogLevel level)
{
    return static_cast<int>(level) >= g_min_level.load();
}

std::string format_log_line(LogFormat format, LogLevel level, std::string_view timestamp,
                            std::string_view message, std::initializer_list<LogField> fields)
{
    std::string line;
    if (format == LogFormat::json) {
        line = "{";
        append_json_pair(line, "ts", timestamp);
        append_json_pair(line, "level", level_name(level));
        append_json_pair(line, "msg", message);
        for (const auto& [key, value] : fields) {
            append_json_pair(line, key, value);
        }
        line += '}';
    } else {
        append_logfmt_pair(line, "ts", timestamp);
        append_logfmt_pair(line, "level", level_name(level));
        append_logfmt_pair(line, "msg", message);
        for (const auto& [key, value] : fields) {
            append_logfmt_pair(line, key, value);
        }
    }
    return line;
}

void Logger::write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields)
{
    if (!enabled(level)) {
        return;
    }
    const std::string line = format_log_line(static_cast<LogFormat>(g_format.load()), level,
                                             current_timestamp(), message, fields);
    static const bool to_journal = stderr_is_journal();
    const std::lock_guard<std::mutex> lock(g_write_mutex);
    if (to_journal) {
        std::fprintf(stderr, "<%d>%s\n", syslog_priority(level), line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
}

} // namespace jobsync
