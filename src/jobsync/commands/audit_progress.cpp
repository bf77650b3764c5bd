#include "jobsync/commands/audit_progress.hpp"

#include "jobsync/core/logger.hpp"

#include <cstdio>
#include <sstream>

namespace jobsync {

std::string format_audit_progress(const AuditProgressCounts& c, double elapsed_seconds)
{
    const double rate =
        elapsed_seconds > 0.5 ? static_cast<double>(c.checked) / elapsed_seconds : 0;
    std::ostringstream out;
    out << "audit  " << c.checked << "/" << c.due << " objects";
    if (c.due > 0) {
        out << "  " << c.checked * 100 / c.due << "%";
    }
    out << "  " << static_cast<long>(rate) << "/s";
    if (rate > 0 && c.due > c.checked) {
        out << "  ETA " << static_cast<long>(static_cast<double>(c.due - c.checked) / rate) << "s";
    }
    out << "  missing " << c.missing << "  mismatch " << c.mismatch << "  errors " << c.errors;
    return out.str();
}

AuditProgress::AuditProgress(bool interactive, std::chrono::seconds log_every)
    : interactive_(interactive), log_every_(log_every), thread_([this] { run(); })
{
}

AuditProgress::~AuditProgress()
{
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void AuditProgress::update(const AuditProgressCounts& counts)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    counts_ = counts;
}

void AuditProgress::run()
{
    auto next_log = started_ + log_every_;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::seconds(1));
        const auto now = std::chrono::steady_clock::now();
        const std::string line =
            format_audit_progress(counts_, std::chrono::duration<double>(now - started_).count());
        if (stopping_) {
            break;
        }
        if (interactive_) {
            // One line redrawn in place; only when stderr is a terminal.
            std::fprintf(stderr, "\r\033[2K%s", line.c_str());
            std::fflush(stderr);
            drawn_ = true;
        } else if (now >= next_log) {
            next_log += log_every_;
            log_info("progress", {{"detail", line}});
        }
    }
    if (drawn_) {
        std::fputs("\r\033[2K", stderr);
        std::fflush(stderr);
    }
}

} // namespace jobsync
