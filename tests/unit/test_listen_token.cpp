// The listener's ?token= check (listen/callback_handler.cpp).
#include "jobsync/listen/callback_handler.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("listen token: the query's token parameter must equal the configured one")
{
    const std::string token = "s3cret+token/0123456789";
    CHECK(query_token_matches("token=s3cret%2Btoken%2F0123456789", token));
    CHECK(query_token_matches("a=1&token=s3cret%2Btoken/0123456789&b=2", token));
    CHECK_FALSE(query_token_matches("", token));
    CHECK_FALSE(query_token_matches("token=", token));
    CHECK_FALSE(query_token_matches("token=s3cret%2Btoken%2F012345678", token));
    CHECK_FALSE(query_token_matches("tokens=s3cret%2Btoken%2F0123456789", token));
    CHECK_FALSE(query_token_matches("token=anything", ""));
}

TEST_CASE("listen token: a '+' in the token matches written as '+' or as %2B")
{
    // CI calls the URL as written: a token holding '+' arrives with a literal
    // '+', which form decoding would read as a space.
    const std::string token = "a+b+c-0123456789abcdef";
    CHECK(query_token_matches("token=a+b+c-0123456789abcdef", token));
    CHECK(query_token_matches("token=a%2Bb%2bc-0123456789abcdef", token));
    CHECK(query_token_matches("x=1&token=a+b%2Bc-0123456789abcdef", token));
    CHECK_FALSE(query_token_matches("token=a%20b%20c-0123456789abcdef", token));
    CHECK_FALSE(query_token_matches("token=a+b+c-0123456789abcde", token));
    // A token holding a space: %20, or '+' as form encoding writes it.
    const std::string spaced = "with space 0123456789";
    CHECK(query_token_matches("token=with%20space%200123456789", spaced));
    CHECK(query_token_matches("token=with+space+0123456789", spaced));
}
