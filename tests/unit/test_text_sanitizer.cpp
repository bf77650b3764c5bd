// sanitize_text: valid UTF-8 out of any bytes, control characters visible,
// cuts on a character boundary; and the logger using it.
#include "jobsync/core/text_sanitizer.hpp"

#include "jobsync/core/logger.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using jobsync::sanitize_text;
using jobsync::TextForm;

namespace {

const std::string kReplacement = "\xEF\xBF\xBD"; // U+FFFD

} // namespace

TEST_CASE("sanitizer: valid text without control characters is kept as it is")
{
    const std::string text =
        "HTTP 403 AccessDenied: \xE6\x8B\x92\xE7\xBB\x9D \\ \"x\" \xF0\x9F\x98\x80";
    CHECK(sanitize_text(text) == text);
    CHECK(sanitize_text(text, TextForm::lines) == text);
    CHECK(sanitize_text(sanitize_text("a\x1b[31mb\nc")) == sanitize_text("a\x1b[31mb\nc"));
}

TEST_CASE("sanitizer: control characters are escaped visibly")
{
    CHECK(sanitize_text("red \x1b[31mALERT\x1b[0m") == "red \\u001b[31mALERT\\u001b[0m");
    CHECK(sanitize_text("a\r\nb\tc") == "a\\r\\nb\\tc");
    CHECK(sanitize_text("a\nb\r\n", TextForm::lines) == "a\nb\\r\n");
    CHECK(sanitize_text(std::string("nul\0del\x7f", 8)) == "nul\\u0000del\\u007f");
    CHECK(sanitize_text("c1 \xC2\x9B"
                        "31m") == "c1 \\u009b31m"); // 8-bit CSI
    CHECK(sanitize_text("say \"hi\" \\ \x01", TextForm::quoted) == "say \\\"hi\\\" \\\\ \\u0001");
}

TEST_CASE("sanitizer: bytes that are not UTF-8 become U+FFFD")
{
    // "拒绝访问" (access denied) in GBK, as a proxy's HTML 403 sends it: its
    // bytes DC BE happen to be valid UTF-8 (U+073E), the others are not.
    CHECK(sanitize_text("<h1>\xBE\xDC\xBE\xF8\xB7\xC3\xCE\xCA</h1>") ==
          "<h1>" + kReplacement + "\xDC\xBE" + kReplacement + kReplacement + kReplacement +
              kReplacement + kReplacement + "</h1>");
    CHECK(sanitize_text("overlong \xC0\xAF") == "overlong " + kReplacement + kReplacement);
    CHECK(sanitize_text("surrogate \xED\xA0\x80") ==
          "surrogate " + kReplacement + kReplacement + kReplacement);
    CHECK(sanitize_text("too big \xF4\x90\x80\x80") ==
          "too big " + kReplacement + kReplacement + kReplacement + kReplacement);
    // A sequence broken off counts once (its maximal subpart), then the rest follows.
    CHECK(sanitize_text("cut \xE6\x8B|") == "cut " + kReplacement + "|");
    CHECK(sanitize_text("end \xF0\x9F\x98") == "end " + kReplacement);
}

TEST_CASE("sanitizer: a cut falls on a character and is marked")
{
    CHECK(sanitize_text("0123456789", TextForm::line, 10) == "0123456789");
    CHECK(sanitize_text("0123456789a", TextForm::line, 10) == "0123456...");
    // 3-byte characters: never cut inside one.
    const std::string chinese = "\xE6\x8B\x92\xE7\xBB\x9D\xE8\xAE\xBF\xE9\x97\xAE";
    CHECK(sanitize_text(chinese, TextForm::line, 11) == "\xE6\x8B\x92\xE7\xBB\x9D...");
    CHECK(sanitize_text(chinese, TextForm::line, 12) == chinese);
    // Nor inside an escape.
    CHECK(sanitize_text("ab\x1b\x1b\x1b", TextForm::line, 12) == "ab\\u001b...");
    const std::string long_body(100000, 'x');
    CHECK(sanitize_text(long_body, TextForm::line, 160).size() == 160);
}

TEST_CASE("sanitizer: log values pass through it, so lines stay valid and escape-free")
{
    const std::string value = "\xBE proxy \x1b[2J\x1b]0;title\x07";
    const std::string json = jobsync::format_log_line(
        jobsync::LogFormat::json, jobsync::LogLevel::error, "t", "m", {{"error", value}});
    CHECK(json.find('\x1b') == std::string::npos);
    CHECK(nlohmann::json::parse(json)["error"] == kReplacement + " proxy \x1b[2J\x1b]0;title\x07");
    const std::string logfmt = jobsync::format_log_line(
        jobsync::LogFormat::logfmt, jobsync::LogLevel::error, "t", "m", {{"error", value}});
    CHECK(logfmt == "ts=t level=error msg=m error=\"" + kReplacement +
                        " proxy \\u001b[2J\\u001b]0;title\\u0007\"");
}
