#include "jobsync/sync/progress.hpp"

#include "jobsync/core/logger.hpp"

#include <atomic>
#include <cstdio>
#include <sstream>

namespace jobsync {
namespace {

std::atomic<ProgressBoard*> g_board{nullptr};

std::string short_duration(long seconds)
{
    std::ostringstream out;
    if (seconds >= 3600) {
        out << seconds / 3600 << "h" << seconds / 60 % 60 << "m";
    } else if (seconds >= 60) {
        out << seconds / 60 << "m" << seconds % 60 << "s";
    } else {
        out << seconds << "s";
    }
    return out.str();
}

std::string day_of(UnixSeconds t)
{
    return format_iso_utc(t).substr(0, 10);
}

} // namespace

std::string format_progress_line(const std::string& label, const PartitionProgress& p,
                                 std::chrono::steady_clock::time_point now)
{
    const double elapsed = std::chrono::duration<double>(now - p.started).count();
    const double rate = elapsed > 0.5 ? static_cast<double>(p.jobs) / elapsed : 0.0;
    std::ostringstream out;
    out << label << "  " << (p.window_start ? day_of(*p.window_start) : std::string("start"))
        << ".." << day_of(p.window_end) << "  " << p.pages << " pages  " << p.jobs << " jobs  "
        << static_cast<long>(rate) << "/s";
    if (p.done) {
        out << "  done";
    } else if (p.window_start && p.reached && p.window_end > *p.window_start) {
        // Jobs come in creation-time order, so the share of the window
        // covered estimates the share of the work done.
        const double covered = static_cast<double>(*p.reached - *p.window_start) /
                               static_cast<double>(p.window_end - *p.window_start);
        if (covered > 0.0 && covered <= 1.0) {
            out << "  " << static_cast<int>(covered * 100) << "%";
            if (elapsed > 2.0) {
                out << "  ETA " << short_duration(static_cast<long>(elapsed / covered - elapsed));
            }
        }
    }
    return out.str();
}

ProgressBoard::ProgressBoard(bool interactive, std::chrono::seconds log_every)
    : interactive_(interactive), log_every_(log_every), thread_([this] { run(); })
{
}

ProgressBoard::~ProgressBoard()
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (current() == this) {
        install(nullptr);
    }
}

ProgressBoard* ProgressBoard::current()
{
    return g_board.load();
}

void ProgressBoard::install(ProgressBoard* board)
{
    g_board = board;
}

void ProgressBoard::start_walk(const std::string& label, std::optional<UnixSeconds> window_start,
                               UnixSeconds window_end)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    PartitionProgress progress;
    progress.window_start = window_start;
    progress.window_end = window_end;
    partitions_[label] = progress;
}

void ProgressBoard::page_committed(const std::string& label, long jobs,
                                   std::optional<UnixSeconds> reached)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    PartitionProgress& progress = partitions_[label];
    progress.pages += 1;
    progress.jobs += jobs;
    if (reached) {
        progress.reached = reached;
    }
}

void ProgressBoard::finish_walk(const std::string& label)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    partitions_[label].done = true;
}

std::map<std::string, PartitionProgress> ProgressBoard::snapshot()
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return partitions_;
}

void ProgressBoard::run()
{
    auto next_log = std::chrono::steady_clock::now() + log_every_;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::seconds(1));
        if (stopping_) {
            break;
        }
        if (interactive_) {
            draw(false);
        } else if (std::chrono::steady_clock::now() >= next_log) {
            next_log += log_every_;
            for (const auto& [label, progress] : partitions_) {
                if (!progress.done) {
                    const std::string line =
                        format_progress_line(label, progress, std::chrono::steady_clock::now());
                    log_info("progress", {{"partition", label}, {"detail", line}});
                }
            }
        }
    }
    if (interactive_) {
        draw(true);
    }
}

// Redraws the block of lines in place with ANSI cursor movement; only used
// when stderr is a terminal. Called with mutex_ held.
void ProgressBoard::draw(bool final_draw)
{
    std::string text;
    for (std::size_t i = 0; i < lines_drawn_; ++i) {
        text += "\033[1A\033[2K";
    }
    lines_drawn_ = 0;
    if (!final_draw) {
        const auto now = std::chrono::steady_clock::now();
        for (const auto& [label, progress] : partitions_) {
            text += format_progress_line(label, progress, now) + "\n";
            ++lines_drawn_;
        }
    }
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
}

} // namespace jobsync
