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
