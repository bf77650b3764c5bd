#include "jobsync/core/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;

TEST_CASE("utf8: well-formed sequences of each length decode to their code point")
{
    const std::string text = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"; // A é € 😀
    const Utf8Step a = next_utf8_step(text, 0);
    CHECK((a.valid && a.length == 1 && a.code_point == 0x41));
    const Utf8Step e = next_utf8_step(text, 1);
    CHECK((e.valid && e.length == 2 && e.code_point == 0xE9));
    const Utf8Step euro = next_utf8_step(text, 3);
    CHECK((euro.valid && euro.length == 3 && euro.code_point == 0x20AC));
    const Utf8Step smile = next_utf8_step(text, 6);
    CHECK((smile.valid && smile.length == 4 && smile.code_point == 0x1F600));
    CHECK(is_valid_utf8(text));
}

TEST_CASE("utf8: an invalid sequence is one step of its maximal subpart")
{
    struct Case {
        std::string bytes;
        std::size_t length;
    };
    const Case cases[] = {
        {"\x80", 1},             // a lone continuation byte
        {"\xC0\xAF", 1},         // C0 never starts a sequence (overlong)
        {"\xE0\x80\x80", 1},     // overlong three-byte form: E0 needs A0..BF next
        {"\xED\xA0\x80", 1},     // a surrogate: ED needs 80..9F next
        {"\xF4\x90\x80\x80", 1}, // above U+10FFFF
        {"\xF5\x80", 1},         // F5 never starts a sequence
        {"\xE2\x82", 2},         // truncated at the end of the text
        {"\xE2\x82"
         "A",
         2}, // cut short by an ASCII byte
        {"\xF0\x9F\x98"
         "A",
         3},
    };
    for (const Case& c : cases) {
        INFO("bytes of length " << c.bytes.size() << ", first " << int(c.bytes[0] & 0xFF));
        const Utf8Step step = next_utf8_step(c.bytes, 0);
        CHECK_FALSE(step.valid);
        CHECK(step.length == c.length);
        CHECK_FALSE(is_valid_utf8(c.bytes));
    }
}

TEST_CASE("utf8: the edges of the valid ranges")
{
    CHECK(is_valid_utf8("\xC2\x80"));         // U+0080
    CHECK(is_valid_utf8("\xE0\xA0\x80"));     // U+0800
    CHECK(is_valid_utf8("\xED\x9F\xBF"));     // U+D7FF, just below the surrogates
    CHECK(is_valid_utf8("\xEE\x80\x80"));     // U+E000, just above them
    CHECK(is_valid_utf8("\xF0\x90\x80\x80")); // U+10000
    CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF")); // U+10FFFF
    CHECK(is_valid_utf8(""));
    CHECK(next_utf8_step("\xF4\x8F\xBF\xBF", 0).code_point == 0x10FFFF);
}
