// Log lines: logfmt quoting, JSON escaping, and when journald priorities apply.
#include "jobsync/core/logger.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using jobsync::format_log_line;
using jobsync::LogFormat;
using jobsync::LogLevel;

TEST_CASE("logger: logfmt quotes only the values that need it")
{
    const std::string line = format_log_line(LogFormat::logfmt, LogLevel::warn,
                                             "2026-01-02T03:04:05.678Z", "page retried",
                                             {{"partition", "b-1/Transcode/q1"},
                                              {"empty", ""},
                                              {"error", "HTTP 503 SlowDown: \"busy\"\n"},
                                              {"query", "a=b"}});
    CHECK(line == "ts=2026-01-02T03:04:05.678Z level=warn msg=\"page retried\" "
                  "partition=b-1/Transcode/q1 empty=\"\" "
                  "error=\"HTTP 503 SlowDown: \\\"busy\\\"\\n\" query=\"a=b\"");
}

TEST_CASE("logger: JSON lines parse back to the same fields, in order")
{
    const std::string line =
        format_log_line(LogFormat::json, LogLevel::error, "2026-01-02T03:04:05.678Z", "sync failed",
                        {{"error", "tab\there \"quoted\" \\ \x01"}, {"n", "3"}});
    const nlohmann::json parsed = nlohmann::json::parse(line);
    CHECK(parsed["ts"] == "2026-01-02T03:04:05.678Z");
    CHECK(parsed["level"] == "error");
    CHECK(parsed["msg"] == "sync failed");
    CHECK(parsed["error"] == "tab\there \"quoted\" \\ \x01");
    CHECK(parsed["n"] == "3");
    CHECK(line.rfind("{\"ts\":", 0) == 0);
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("logger: priority prefixes only when stderr is the journal stream")
{
    CHECK(jobsync::journal_stream_matches("8:12345", 8, 12345));
    CHECK_FALSE(jobsync::journal_stream_matches("8:12345", 8, 12346));
    CHECK_FALSE(jobsync::journal_stream_matches("8:12345x", 8, 12345));
    CHECK_FALSE(jobsync::journal_stream_matches("garbage", 8, 12345));
    CHECK_FALSE(jobsync::journal_stream_matches(nullptr, 8, 12345));
}
