#include "jobsync/sync/slice_plan.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("slice plan: pages are priced from the probe pages' density")
{
    // 100 jobs over 3,000 s, a window of 300,000 s: ~10,000 jobs, 100 pages.
    const PageSpan oldest{1000, 3999, 100};
    CHECK(estimate_pages(oldest, nullptr, 1000 + 300000 - 1, 100) == 101);
    // The newest page shows the history ends after 6,000 s: ~2 pages.
    const PageSpan newest{4000, 6999, 100};
    CHECK(estimate_pages(oldest, &newest, 6999, 100) == 3);
}

TEST_CASE("slice plan: a slice per 8 estimated pages, at most the concurrency")
{
    CHECK(slice_count(3, 4) == 1);
    CHECK(slice_count(15, 4) == 1);
    CHECK(slice_count(16, 4) == 2);
    CHECK(slice_count(10000, 4) == 4);
    CHECK(slice_count(10000, 1) == 1);
}

TEST_CASE("slice plan: equal spans whose exclusive bounds cover each second once")
{
    const SliceWindow window{std::nullopt, 5000};
    const std::vector<SliceWindow> slices = split_window(window, 1000, 1999, 4);
    REQUIRE(slices.size() == 4);
    CHECK_FALSE(slices[0].start);
    CHECK(slices[0].end == 1250);
    CHECK(*slices[1].start == 1249);
    CHECK(slices[1].end == 1500);
    CHECK(*slices[2].start == 1499);
    CHECK(slices[2].end == 1750);
    CHECK(*slices[3].start == 1749);
    CHECK(slices[3].end == 5000);
    // Every second of the window in exactly one slice (start < t < end).
    for (UnixSeconds t = 900; t < 5000; ++t) {
        int holders = 0;
        for (const SliceWindow& slice : slices) {
            holders += (!slice.start || t > *slice.start) && t < slice.end ? 1 : 0;
        }
        INFO("second " << t);
        CHECK(holders == 1);
    }
}

TEST_CASE("slice plan: a span shorter than the slices asked for gets fewer")
{
    const std::vector<SliceWindow> slices = split_window({100, 5000}, 1000, 1001, 4);
    REQUIRE(slices.size() == 2);
    CHECK(*slices[0].start == 100);
    CHECK(slices[0].end == 1001);
    CHECK(*slices[1].start == 1000);
    CHECK(slices[1].end == 5000);
}
