#include "jobsync/xml/name_map.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using jobsync::NameMap;

TEST_CASE("name_map: finds what was inserted, through growth, and nothing else")
{
    NameMap<std::size_t> map;
    CHECK(map.find("Width") == nullptr);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < 200; ++i) {
        names.push_back("Field" + std::to_string(i));
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        map.insert(names[i]) = i;
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        REQUIRE(map.find(names[i]) != nullptr);
        CHECK(*map.find(names[i]) == i);
    }
    CHECK(map.find("Field200") == nullptr);
    CHECK(map.find("") == nullptr);
    CHECK(map.find("Field1 ") == nullptr);
}

TEST_CASE("name_map: inserting an existing name keeps its value")
{
    NameMap<std::unique_ptr<int>> map;
    map.insert("Index") = std::make_unique<int>(7);
    CHECK(*map.insert("Index") == 7);
    map.insert("");
    CHECK(map.find("") != nullptr);
    CHECK(**map.find("Index") == 7);
}
