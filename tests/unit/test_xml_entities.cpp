#include "jobsync/xml/xml_entities.hpp"

#include <catch2/catch.hpp>
#include <rapidxml.hpp>

#include <string>

using namespace jobsync::xml;

namespace {

// What RapidXML's own translation (parse_default) makes of text as an element value.
std::string rapidxml_decoded(const std::string& text)
{
    std::string buffer = "<a>" + text + "</a>";
    rapidxml::xml_document<char> doc;
    doc.parse<rapidxml::parse_default>(buffer.data());
    const rapidxml::xml_node<char>* a = doc.first_node();
    return std::string(a->value(), a->value_size());
}

// The error message and its offset in text, or "" when it decodes.
std::string failure(const std::string& text)
{
    try {
        decode_entities(text);
    } catch (const rapidxml::parse_error& e) {
        return std::string(e.what()) + " at " + std::to_string(e.where<char>() - text.data());
    }
    return "";
}

} // namespace

TEST_CASE("xml_entities: predefined entities and character references")
{
    CHECK(decode_entities("a &amp; b") == "a & b");
    CHECK(decode_entities("&lt;x&gt; &quot;q&quot; &apos;s&apos;") == "<x> \"q\" 's'");
    CHECK(decode_entities("&#65;&#x42;&#x63;") == "ABc");
    CHECK(decode_entities("&#233;&#x6f22;&#x1F600;") == "\xC3\xA9\xE6\xBC\xA2\xF0\x9F\x98\x80");
    CHECK(decode_entities("&#x10FFFF;") == "\xF4\x8F\xBF\xBF");
    CHECK(decode_entities("plain") == "plain");
    CHECK(decode_entities("") == "");
}

TEST_CASE("xml_entities: anything else after '&' is kept as it is")
{
    CHECK(decode_entities("a & b") == "a & b");
    CHECK(decode_entities("&nbsp; &amp &AMP; &") == "&nbsp; &amp &AMP; &");
    CHECK(decode_entities("&&amp;&") == "&&&");
}

TEST_CASE("xml_entities: has_entities finds the '&'")
{
    CHECK(has_entities("a&b"));
    CHECK_FALSE(has_entities("a b"));
    CHECK_FALSE(has_entities(""));
}

TEST_CASE("xml_entities: the same text as RapidXML's own translation")
{
    for (const std::string text :
         {"a &amp; b", "&lt;&gt;&quot;&apos;", "&#65;&#x42;", "&#233;&#x6f22;&#x1F600;",
          "&#1a;", // RapidXML's digit table takes hex digits in decimal references too
          "& &nbsp; &amp", "x&#x7A;y&#122;z", "&#0065;"}) {
        INFO(text);
        CHECK(decode_entities(text) == rapidxml_decoded(text));
    }
}

TEST_CASE("xml_entities: bad numeric references fail as RapidXML's would, with where")
{
    CHECK(failure("ab&#65") == "expected ; at 6");
    CHECK(failure("&#65x;") == "expected ; at 4");
    CHECK(failure("x&#x110000;") == "invalid numeric character entity at 10");
    CHECK(failure("&#1114112;") == "invalid numeric character entity at 9");
    // U+0000 (also what a reference without digits means): RapidXML made it a NUL byte.
    CHECK(failure("a&#0;") == "invalid numeric character entity at 4");
    CHECK(failure("&#x;") == "invalid numeric character entity at 3");
    CHECK(failure("&#;") == "invalid numeric character entity at 2");
}
