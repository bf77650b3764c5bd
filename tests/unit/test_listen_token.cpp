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
