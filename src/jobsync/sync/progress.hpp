// Progress of long walks: a live display on a terminal (per partition:
// window, pages, jobs, jobs/s, ETA), a periodic log line otherwise.
#pragma once

#include "jobsync/core/api_time.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace jobsync {

struct PartitionProgress {
    std::optional<UnixSeconds> window_start;
    UnixSeconds window_end = 0;
    std::optional<UnixSeconds> reached; // newest creation time committed
    long pages = 0;
    long jobs = 0;
    bool done = false;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// One line for a partition: "bucket/Tag/* 2024-01-01..2024-03-01 12 pages 1200 jobs 850/s 37% ETA
// 2m".
std::string format_progress_line(const std::string& label, const PartitionProgress& progress,
                                 std::chrono::steady_clock::time_point now);

class ProgressBoard {
public:
    // interactive: redraw on stderr every second; otherwise log every `log_every`.
    ProgressBoard(bool interactive, std::chrono::seconds log_every = std::chrono::seconds(60));
    ~ProgressBoard(); // stops the display thread and clears the lines it drew
    ProgressBoard(const ProgressBoard&) = delete;
    ProgressBoard& operator=(const ProgressBoard&) = delete;

    void start_walk(const std::string& label, std::optional<UnixSeconds> window_start,
                    UnixSeconds window_end);
    void page_committed(const std::string& label, long jobs, std::optional<UnixSeconds> reached);
    void finish_walk(const std::string& label);
    std::map<std::string, PartitionProgress> snapshot();

    // The process-wide board, if one was installed (nullptr otherwise).
    static ProgressBoard* current();
    static void install(ProgressBoard* board);

private:
    void run();
    void draw(bool final_draw);

    bool interactive_;
    std::chrono::seconds log_every_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<std::string, PartitionProgress> partitions_;
    std::size_t lines_drawn_ = 0;
    std::thread thread_;
};

} // namespace jobsync
