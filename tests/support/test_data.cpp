#include "support/test_data.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace testing {

std::string read_xml_fixture(const std::string& name)
{
    std::ifstream in(std::string(TEST_DATA_DIR) + "/xml/" + name, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace testing
