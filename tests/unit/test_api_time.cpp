#include "jobsync/core/api_time.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("api_time: parses the API's format across offsets")
{
    CHECK(parse_api_time("2022-06-27T15:23:12+0800") == 1656314592);
    CHECK(parse_api_time("2022-06-27T07:23:12+0000") == 1656314592);
    CHECK(parse_api_time("2022-06-27T07:23:12Z") == 1656314592);
    CHECK(parse_api_time("2022-06-27T15:23:12+08:00") == 1656314592);
    CHECK(parse_api_time("2022-06-27T01:53:12-0530") == 1656314592);
    CHECK(parse_api_time("2022-06-27T07:23:12.250Z") == 1656314592);
    CHECK(parse_api_time("1970-01-01T00:00:00+0000") == 0);
    CHECK(parse_api_time("2024-02-29T00:00:00+0000") == 1709164800);
}

TEST_CASE("api_time: the three spellings of the workflow and batch-job bodies")
{
    CHECK(parse_api_time("2022-06-27T15:23:10+0800") == 1656314590);  // jobs, batch jobs
    CHECK(parse_api_time("2022-08-09T14:54:17+08:00") == 1660028057); // workflow runs
    CHECK(parse_api_time("2021-09-14 15:00:26+0800") == 1631602826);  // a WorkflowFinish sample
    CHECK_FALSE(parse_api_time("2021-09-14  15:00:26+0800").has_value());
    CHECK_FALSE(parse_api_time("2021-09-14_15:00:26+0800").has_value());
}

TEST_CASE("api_time: rejects placeholders and malformed text")
{
    for (const char* bad :
         {"", "-", "2022-06-27", "2022-06-27T15:23:12", "2022-13-01T00:00:00+0800",
          "2023-02-29T00:00:00+0800", "2022-06-27T24:00:00+0800", "2022-06-27T15:23:12+08",
          "2022-06-27T15:23:12+0800x", "garbage"}) {
        INFO(bad);
        CHECK_FALSE(parse_api_time(bad).has_value());
    }
}

TEST_CASE("api_time: formats for the wire and for SQL")
{
    CHECK(format_api_time(1656314592) == "2022-06-27T07:23:12+0000");
    CHECK(format_api_time(1656314592, 480) == "2022-06-27T15:23:12+0800");
    CHECK(format_api_time(1656314592, -330) == "2022-06-27T01:53:12-0530");
    CHECK(format_iso_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(format_iso_utc(1709164800) == "2024-02-29T00:00:00Z");
    CHECK(format_iso_utc(1656314592) == "2022-06-27T07:23:12Z");
    CHECK(format_iso_utc(253402300799) == "9999-12-31T23:59:59Z");
    CHECK(format_iso_utc(253402300800) == "10000-01-01T00:00:00Z");
    CHECK(format_iso_utc(-1) == "1969-12-31T23:59:59Z");
    CHECK(format_iso_utc(-62167219201) == "-001-12-31T23:59:59Z"); // as snprintf's %04lld
    for (UnixSeconds t : {0LL, 1656314592LL, 1709164799LL, 4102444800LL}) {
        CHECK(parse_api_time(format_api_time(t, 480)) == t);
    }
}

TEST_CASE("api_time: HTTP dates")
{
    CHECK(format_http_date(1656429792) == "Tue, 28 Jun 2022 15:23:12 GMT");
    CHECK(parse_http_date("Tue, 28 Jun 2022 15:23:12 GMT") == 1656429792);
    CHECK_FALSE(parse_http_date("28 Jun 2022").has_value());
}

TEST_CASE("api_time: unix_seconds_from_civil counts proleptic Gregorian days at an offset")
{
    CHECK(unix_seconds_from_civil({1970, 1, 1, 0, 0, 0}) == 0);
    CHECK(unix_seconds_from_civil({1969, 12, 31, 23, 59, 59}) == -1);
    CHECK(unix_seconds_from_civil({2024, 1, 1, 0, 0, 0}, 8 * 3600) == 1704038400);
    CHECK(unix_seconds_from_civil({2100, 3, 1, 0, 0, 0}, -(5 * 3600 + 30 * 60)) == 4107562200);
    // Century rules: 1600 and 2000 are leap years, 1900 is not.
    CHECK(unix_seconds_from_civil({1600, 3, 1, 0, 0, 0}) == -11670912000);
    CHECK(unix_seconds_from_civil({1900, 3, 1, 0, 0, 0}) == -2203891200);
    CHECK(unix_seconds_from_civil({2000, 3, 1, 0, 0, 0}) == 951868800);
    CHECK(unix_seconds_from_civil({0, 1, 1, 0, 0, 0}) == -62167219200);
    CHECK(unix_seconds_from_civil({9999, 12, 31, 23, 59, 59}) == 253402300799);
    // The parsers go through it: the same instant either way.
    CHECK(unix_seconds_from_civil({2022, 6, 27, 15, 23, 12}, 8 * 3600) ==
          parse_api_time("2022-06-27T15:23:12+0800"));
}
