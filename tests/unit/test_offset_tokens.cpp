// The emulator's two kinds of NextToken: sealed ones expire and are bound to
// the window; offset-like ones name only the listing and the position.
#include "emulator/page_token.hpp"

#include <catch2/catch.hpp>

using namespace jobsync::emulator;

namespace {

JobQuery listing(std::optional<jobsync::UnixSeconds> start)
{
    JobQuery query;
    query.tag = "Transcode";
    query.queue_id = "p2242ab62c7c94486915508540933a2c6";
    query.ascending = true;
    query.start = start;
    query.end = 1704153600;
    return query;
}

} // namespace

TEST_CASE("page_token: offset-like tokens depend only on the listing and the position")
{
    const std::string key = "emulator-secret-key";
    const std::string digest = filter_digest(listing(1704067200), TokenStyle::offset);
    // Another window of the same listing: the same digest, so the same tokens.
    CHECK(filter_digest(listing(1704070000), TokenStyle::offset) == digest);
    JobQuery other_tag = listing(1704067200);
    other_tag.tag = "Snapshot";
    CHECK(filter_digest(other_tag, TokenStyle::offset) != digest);

    const std::string token = encode_page_token({40, 0}, digest, key);
    CHECK(encode_page_token({40, 0}, digest, key) == token);
    CHECK(encode_page_token({80, 0}, digest, key) != token);
    PageToken decoded;
    REQUIRE(decode_page_token(token, digest, key, 0, 1704067200, decoded) == TokenCheck::ok);
    CHECK(decoded.offset == 40);
}

TEST_CASE("page_token: sealed tokens are bound to the window and expire")
{
    const std::string key = "emulator-secret-key";
    const std::string digest = filter_digest(listing(1704067200), TokenStyle::sealed);
    CHECK(filter_digest(listing(1704070000), TokenStyle::sealed) != digest);
    const std::string token = encode_page_token({40, 1704067200}, digest, key);
    PageToken decoded;
    CHECK(decode_page_token(token, digest, key, 60, 1704067200 + 61, decoded) ==
          TokenCheck::expired);
    CHECK(decode_page_token(token, filter_digest(listing(1704070000), TokenStyle::sealed), key, 0,
                            1704067200, decoded) == TokenCheck::invalid);
}
