#include "jobsync/core/api_time.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace jobsync {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// well-known civil-calendar arithmetic, written out here).
long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

CivilTime civil_from_unix(UnixSeconds t)
{
    long long days = t / 86400;
    long long secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        --days;
    }
    days += 719468;
    const long long era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
    return {y,
            m,
            d,
            static_cast<unsigned>(secs / 3600),
            static_cast<unsigned>(secs / 60 % 60),
            static_cast<unsigned>(secs % 60)};
}

// Reads exactly `width` digits at text[pos]; advances pos.
bool read_digits(std::string_view text, std::size_t& pos, int width, int& value)
{
    if (pos + static_cast<std::size_t>(width) > text.size()) {
        return false;
    }
    value = 0;
    for (int i = 0; i < width; ++i) {
        const char c = text[pos++];
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c)
{
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

unsigned days_in_month(int year, int month)
{
    static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Parses "+0800", "+08:00", "-0530" or "Z" at pos to the end of text.
bool read_offset(std::string_view text, std::size_t pos, int& offset_seconds)
{
    if (pos == text.size() - 1 && (text[pos] == 'Z' || text[pos] == 'z')) {
        offset_seconds = 0;
        return true;
    }
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) {
        return false;
    }
    const int sign = text[pos++] == '-' ? -1 : 1;
    int hours = 0;
    int minutes = 0;
    if (!read_digits(text, pos, 2, hours)) {
        return false;
    }
    expect(text, pos, ':');
    if (!read_digits(text, pos, 2, minutes) || pos != text.size() || hours > 23 || minutes > 59) {
        return false;
    }
    offset_seconds = sign * (hours * 3600 + minutes * 60);
    return true;
}

// The parsers read fields as int; they are validated before this.
CivilTime to_civil(int year, int month, int day, int hour, int minute, int second)
{
    return {year,
            static_cast<unsigned>(month),
            static_cast<unsigned>(day),
            static_cast<unsigned>(hour),
            static_cast<unsigned>(minute),
            static_cast<unsigned>(second)};
}

} // namespace

UnixSeconds unix_seconds_from_civil(const CivilTime& time, int offset_seconds)
{
    const long long days = days_from_civil(time.year, time.month, time.day);
    return days * 86400 + time.hour * 3600 + time.minute * 60 + time.second - offset_seconds;
}

std::optional<UnixSeconds> parse_api_time(std::string_view text)
{
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
        !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
        !read_digits(text, pos, 2, day) || !(expect(text, pos, 'T') || expect(text, pos, ' ')) ||
        !read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60) {
        return std::nullopt;
    }
    if (expect(text, pos, '.')) { // fractional seconds: dropped, the API's precision is seconds
        const std::size_t start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int offset_seconds = 0;
    if (!read_offset(text, pos, offset_seconds)) {
        return std::nullopt;
    }
    return unix_seconds_from_civil(to_civil(year, month, day, hour, minute, second),
                                   offset_seconds);
}

std::string format_api_time(UnixSeconds instant, int offset_minutes)
{
    const CivilTime c = civil_from_unix(instant + static_cast<UnixSeconds>(offset_minutes) * 60);
    const int abs_offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02u:%02u:%02u%c%02d%02d",
                  static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                  offset_minutes < 0 ? '-' : '+', abs_offset / 60, abs_offset % 60);
    return buffer;
}

std::string format_iso_utc(UnixSeconds instant)
{
    const CivilTime c = civil_from_unix(instant);
    if (c.year >= 0 && c.year <= 9999) {
        // Digit by digit: snprintf cost more than the rest of a job's row
        // (three times per job, once per time column).
        std::string text = "0000-00-00T00:00:00Z";
        const auto put = [&text](std::size_t at, unsigned value, std::size_t digits) {
            for (std::size_t i = digits; i-- > 0; value /= 10) {
                text[at + i] = static_cast<char>('0' + value % 10);
            }
        };
        put(0, static_cast<unsigned>(c.year), 4);
        put(5, c.month, 2);
        put(8, c.day, 2);
        put(11, c.hour, 2);
        put(14, c.minute, 2);
        put(17, c.second, 2);
        return text;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02u:%02u:%02uZ",
                  static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
    return buffer;
}

namespace {
constexpr std::array<const char*, 7> kWeekdays{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
} // namespace

std::string format_http_date(UnixSeconds instant)
{
    const CivilTime c = civil_from_unix(instant);
    long long days = instant / 86400 - (instant % 86400 < 0 ? 1 : 0);
    const long long weekday = ((days % 7) + 7) % 7; // 1970-01-01 was a Thursday
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04lld %02u:%02u:%02u GMT",
                  kWeekdays[static_cast<std::size_t>(weekday)], c.day, kMonths[c.month - 1],
                  static_cast<long long>(c.year), c.hour, c.minute, c.second);
    return buffer;
}

std::optional<UnixSeconds> parse_http_date(std::string_view text)
{
    // "Mon, 28 Jun 2022 15:23:12 GMT"
    if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    std::size_t pos = 5;
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 2, day) || !expect(text, pos, ' ')) {
        return std::nullopt;
    }
    int month = 0;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (text.substr(pos, 3) == kMonths[i]) {
            month = static_cast<int>(i) + 1;
        }
    }
    pos += 3;
    if (month == 0 || !expect(text, pos, ' ') || !read_digits(text, pos, 4, year) ||
        !expect(text, pos, ' ') || !read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, second)) {
        return std::nullopt;
    }
    if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60) {
        return std::nullopt;
    }
    return unix_seconds_from_civil(to_civil(year, month, day, hour, minute, second));
}

namespace {

// Test-only: JOBSYNC_TEST_CLOCK_OFFSET_SECONDS=N runs this process's clock N
// seconds ahead (negative: behind), for tests of a worker whose clock is
// skewed (test_clock_skew.cpp). Unset, or not a plain integer: 0.
long test_clock_offset()
{
    const char* text = std::getenv("JOBSYNC_TEST_CLOCK_OFFSET_SECONDS");
    if (text == nullptr) {
        return 0;
    }
    char* end = nullptr;
    const long offset = std::strtol(text, &end, 10);
    return end != text && *end == '\0' ? offset : 0;
}

} // namespace

UnixSeconds now_unix_seconds()
{
    static const long offset = test_clock_offset();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset;
}

} // namespace jobsync
