// The assertion every sync test ends with: the database holds exactly the
// emulator's jobs (every table, field by field), each difference reported.
#pragma once

#include "support/dataset_comparison.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

namespace testing {

inline void require_same_as_dataset(const TempDatabase& db, const EmulatorFixture& emulator,
                                    const std::vector<std::string>& tags = {})
{
    auto conn = db.connect();
    const auto differences =
        compare_with_dataset(*conn, emulator.dataset, emulator.generator.bucket, tags);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    REQUIRE(differences.empty());
}

} // namespace testing
