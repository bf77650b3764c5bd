#include "jobsync/core/url_encode.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("url_encode: the time offset's plus travels as %2B")
{
    CHECK(url_encode("2024-01-01T00:00:00+0800") == "2024-01-01T00%3A00%3A00%2B0800");
}

TEST_CASE("url_encode: spaces, reserved characters and unicode")
{
    CHECK(url_encode("a b") == "a%20b");
    CHECK(url_encode("Success,Failed") == "Success%2CFailed");
    CHECK(url_encode("!*'()") == "%21%2A%27%28%29");
    CHECK(url_encode("-_.~AZaz09") == "-_.~AZaz09");
    CHECK(url_encode("a/b") == "a%2Fb");
    CHECK(url_encode("演示") == "%E6%BC%94%E7%A4%BA");
    CHECK(url_encode("") == "");
}

TEST_CASE("url_decode: inverse of url_encode, plus handling")
{
    const std::string raw = "input/演示 视频(1)!*'~.mp4+x";
    CHECK(url_decode(url_encode(raw)) == raw);
    CHECK(url_decode("a+b") == "a+b");
    CHECK(url_decode("a+b", true) == "a b");
    CHECK(url_decode("%2b%2B") == "++");
    CHECK(url_decode("100%") == "100%");
    CHECK(url_decode("%zz") == "%zz");
}
