#include "jobsync/sync/progress.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;
using namespace std::chrono_literals;

TEST_CASE("progress: a line shows window, pages, jobs, rate, share done and ETA")
{
    PartitionProgress progress;
    progress.window_start = 1704067200;             // 2024-01-01
    progress.window_end = 1704067200 + 100 * 86400; // 2024-04-10
    progress.reached = 1704067200 + 25 * 86400;     // a quarter of the window
    progress.pages = 12;
    progress.jobs = 1200;
    const auto now = progress.started + 10s;
    const std::string line = format_progress_line("b/Transcode/*", progress, now);
    CHECK(line.find("b/Transcode/*") == 0);
    CHECK(line.find("2024-01-01..2024-04-10") != std::string::npos);
    CHECK(line.find("12 pages") != std::string::npos);
    CHECK(line.find("1200 jobs") != std::string::npos);
    CHECK(line.find("120/s") != std::string::npos);
    CHECK(line.find("25%") != std::string::npos);
    CHECK(line.find("ETA 30s") != std::string::npos); // 10 s for 25% => 30 s to go
}

TEST_CASE("progress: no ETA without a bounded window, 'done' when finished")
{
    PartitionProgress progress;
    progress.window_end = 1704067200;
    progress.jobs = 5;
    const auto now = progress.started + 3s;
    CHECK(format_progress_line("p", progress, now).find("ETA") == std::string::npos);
    CHECK(format_progress_line("p", progress, now).find("start..2024-01-01") != std::string::npos);
    progress.done = true;
    CHECK(format_progress_line("p", progress, now).find("done") != std::string::npos);
}

TEST_CASE("progress: the board adds up pages and keeps the newest position")
{
    ProgressBoard board(false, 3600s);
    board.start_walk("a", std::nullopt, 100);
    board.start_walk("b", 10, 100);
    board.page_committed("a", 10, 50);
    board.page_committed("a", 5, std::nullopt);
    board.finish_walk("a");
    const auto state = board.snapshot();
    REQUIRE(state.size() == 2);
    CHECK(state.at("a").pages == 2);
    CHECK(state.at("a").jobs == 15);
    CHECK(state.at("a").reached == 50);
    CHECK(state.at("a").done);
    CHECK_FALSE(state.at("b").done);
    CHECK(state.at("b").window_start == 10);
}
