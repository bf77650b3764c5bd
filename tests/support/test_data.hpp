// Files under tests/data, read whole.
#pragma once

#include <string>

namespace testing {

// tests/data/xml/<name>, byte for byte; fails the test when it cannot be read.
std::string read_xml_fixture(const std::string& name);

} // namespace testing
