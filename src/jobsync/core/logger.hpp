// One line per event on stderr: logfmt (ts= level= msg= key=value ...) or JSON.
// Callers never pass secrets; values are quoted here and sanitized
// (sanitize_text), so server text never reaches a terminal raw.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace jobsync {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };
enum class LogFormat { logfmt, json };

using LogField = std::pair<std::string_view, std::string>;

class Logger {
public:
    static void configure(LogLevel min_level, LogFormat format);
    static bool enabled(LogLevel level);
    static void write(LogLevel level, std::string_view message,
                      std::initializer_list<LogField> fields = {});
};

inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {})
{
    Logger::write(LogLevel::debug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {})
{
    Logger::write(LogLevel::info, m, f);
}
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {})
{
    Logger::write(LogLevel::warn, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {})
{
    Logger::write(LogLevel::error, m, f);
}

// True when JOURNAL_STREAM ("<device>:<inode>", set by systemd) names the file
// stderr is: only then do lines get "<N>" priority prefixes. A process whose
// stderr was redirected inherits the variable but is not writing to the journal.
bool journal_stream_matches(const char* journal_stream, unsigned long long device,
                            unsigned long long inode);

// Formats one line without writing it (for tests).
std::string format_log_line(LogFormat format, LogLevel level, std::string_view timestamp,
                            std::string_view message, std::initializer_list<LogField> fields);

} // namespace jobsync
