// Reading what a non-200 CI answer says.
#include "jobsync/api/error_body.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace jobsync;

namespace {

HttpResponse response(long status, std::string body, std::map<std::string, std::string> headers)
{
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

} // namespace

TEST_CASE("error_body: CI error bodies are parsed")
{
    ServiceErrorDetails details;
    details.http_status = 403;
    details.request_id = "from-header";
    REQUIRE(parse_error_body("<?xml version='1.0' encoding='utf-8' ?>\n<Error>"
                             "<Code>SignatureDoesNotMatch</Code>"
                             "<Message>The Signature you specified is invalid.</Message>"
                             "<RequestId>NjMxMDJhYTNfMThhYTk0MGFfYmU1OV8zZjc=</RequestId>"
                             "<TraceId>t</TraceId></Error>",
                             details));
    CHECK(details.code == "SignatureDoesNotMatch");
    CHECK(details.message == "The Signature you specified is invalid.");
    CHECK(details.request_id == "NjMxMDJhYTNfMThhYTk0MGFfYmU1OV8zZjc=");
    CHECK(details.http_status == 403);

    ServiceErrorDetails bare;
    bare.request_id = "from-header";
    REQUIRE(parse_error_body("<Error><Code>AccessDenied</Code>"
                             "<Message>Request has expired &amp; more</Message></Error>",
                             bare));
    CHECK(bare.code == "AccessDenied");
    CHECK(bare.message == "Request has expired & more");
    CHECK(bare.request_id == "from-header"); // the body has none
    CHECK(bare.http_status == 0);
}

TEST_CASE("error_body: non-error bodies are rejected without throwing")
{
    for (const char* body :
         {"", "   ", "<html><head><meta charset=\"utf-8\"></head><body>502</body></html>",
          "<html><body>502 Bad Gateway</body></html>", "{\"code\":\"x\",\"message\":\"y\"}",
          "<Error><Code>x</Code>", "<Response/>", "Service Unavailable"}) {
        INFO(body);
        ServiceErrorDetails details;
        details.code = "untouched";
        bool accepted = true;
        CHECK_NOTHROW(accepted = parse_error_body(body, details));
        CHECK_FALSE(accepted);
        CHECK(details.code == "untouched");
    }
}

TEST_CASE("error_body: error_details names status, code and request id")
{
    const ServiceErrorDetails ci =
        error_details(response(503, "<Error><Code>SlowDown</Code><Message>slow</Message></Error>",
                               {{"x-ci-request-id", "hdr-1"}}));
    CHECK(ci.http_status == 503);
    CHECK(ci.code == "SlowDown");
    CHECK(ci.request_id == "hdr-1");

    const ServiceErrorDetails html = error_details(
        response(502, "<html>\n<body>Bad Gateway</body></html>", {{"content-type", "text/html"}}));
    CHECK(html.code.empty());
    CHECK(html.message == "non-XML body (text/html): <html> <body>Bad Gateway</body></html>");

    CHECK(error_details(response(500, "", {})).message == "empty body");
    const ServiceErrorDetails long_body = error_details(response(500, std::string(400, 'x'), {}));
    CHECK(long_body.message == "non-XML body (no content type): " + std::string(160, 'x') + "...");
}

TEST_CASE("error_body: clock errors are the 403s about request time")
{
    ServiceErrorDetails skewed;
    skewed.http_status = 403;
    skewed.code = "RequestTimeTooSkewed";
    CHECK(is_clock_error(skewed));
    ServiceErrorDetails expired;
    expired.http_status = 403;
    expired.code = "AccessDenied";
    expired.message = "Request has expired";
    CHECK(is_clock_error(expired));
    ServiceErrorDetails signature;
    signature.http_status = 403;
    signature.code = "SignatureDoesNotMatch";
    CHECK_FALSE(is_clock_error(signature));
    skewed.http_status = 400;
    CHECK_FALSE(is_clock_error(skewed));
}

TEST_CASE("error_body: Retry-After is delta-seconds or nothing")
{
    CHECK(parse_retry_after(response(503, "", {{"retry-after", "7"}})) == 7);
    CHECK(parse_retry_after(response(503, "", {{"retry-after", "0"}})) == 0);
    CHECK(parse_retry_after(response(503, "", {})) == -1);
    for (const char* bad : {"", "-1", "1.5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "9999999"}) {
        INFO(bad);
        CHECK(parse_retry_after(response(503, "", {{"retry-after", bad}})) == -1);
    }
}
