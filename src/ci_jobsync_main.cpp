// ci-jobsync: thin main. Parses the command line, loads the config, runs one
// command, and turns every error into a message and an exit status in one place.
#include "jobsync/api/http_client.hpp"
#include "jobsync/commands/audit_metrics.hpp"
#include "jobsync/commands/audit_run.hpp"
#include "jobsync/commands/command_line.hpp"
#include "jobsync/commands/grant_read.hpp"
#include "jobsync/commands/metrics_file.hpp"
#include "jobsync/commands/metrics_refresher.hpp"
#include "jobsync/commands/status_report.hpp"
#include "jobsync/commands/window_walk.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/core/process_hardening.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/listen/listener.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "jobsync/version.hpp"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal)
{
    g_signal = signal;
    g_stop = true;
}

void install_signal_handlers()
{
    struct sigaction action {};
    action.sa_handler = &on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

int stopped_status()
{
    return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGTERM);
}

int run_audit_command(const jobsync::Config& config, const jobsync::CommandLine& cmd)
{
    using namespace jobsync;
    AuditSummary summary;
    {
        AuditProgress progress(::isatty(STDERR_FILENO) == 1 && cmd.log_format == LogFormat::logfmt);
        summary = run_audit(config, {cmd.since, cmd.until, cmd.recheck}, &progress, &g_stop);
    }
    print_audit_summary(summary, std::cout);
    const std::string metrics_path =
        cmd.metrics_file.empty() ? config.audit.metrics_file : cmd.metrics_file;
    bool metrics_failed = false;
    if (!metrics_path.empty()) {
        try {
            write_audit_metrics_file(metrics_path, summary, now_unix_seconds());
        } catch (const RunError& error) {
            log_error("metrics file not written", {{"error", error.what()}});
            metrics_failed = true;
        }
    }
    if (summary.interrupted) {
        return stopped_status();
    }
    return audit_exit_status(summary) != 0 || metrics_failed ? 1 : 0;
}

int run_command(const jobsync::CommandLine& cmd)
{
    using namespace jobsync;
    // Only commands that call the API need its keys.
    const bool calls_api = cmd.verb == "sync" || cmd.verb == "verify" || cmd.verb == "backfill" ||
                           cmd.verb == "listen" || cmd.verb == "audit";
    const Config config = load_config(resolve_config_path(cmd.config_path), calls_api);
    if (cmd.verb == "migrate") {
        auto conn = open_connection(config.database);
        const auto applied = apply_migrations(*conn, config.database.schema);
        log_info("migrations up to date", {{"applied_now", std::to_string(applied.size())},
                                           {"schema", config.database.schema}});
        return 0;
    }
    if (cmd.verb == "status") {
        return print_status(config, {cmd.json, cmd.max_lag_seconds}, std::cout);
    }
    if (cmd.verb == "grant-read") {
        grant_read_access(config, cmd.role);
        log_info("read access granted", {{"role", cmd.role}, {"schema", config.database.schema}});
        return 0;
    }
    install_signal_handlers();
    http_global_init();
    if (cmd.verb == "listen") {
        // Runs until SIGTERM/SIGINT; a stop is its normal end, so exit 0.
        return run_listen(config, &g_stop);
    }
    if (cmd.verb == "verify" || cmd.verb == "backfill") {
        const WindowOptions window{cmd.since, cmd.until, cmd.tags};
        if (cmd.verb == "verify") {
            return run_verify(config, window, std::cout, &g_stop);
        }
        // Long backfills show live progress on a terminal, a periodic log line otherwise.
        ProgressBoard progress(::isatty(STDERR_FILENO) == 1 && cmd.log_format == LogFormat::logfmt);
        ProgressBoard::install(&progress);
        return run_backfill(config, window, &g_stop);
    }
    if (cmd.verb == "audit") {
        return run_audit_command(config, cmd);
    }
    SyncOptions options;
    options.wait_lock_seconds = cmd.wait_lock_seconds;
    options.concurrency = config.sync.concurrency;
    const std::string metrics_path =
        cmd.metrics_file.empty() ? config.sync.metrics_file : cmd.metrics_file;
    std::optional<MetricsRefresher> metrics_refresher;
    if (!metrics_path.empty()) {
        metrics_refresher.emplace(config.database, metrics_path);
    }
    const SyncSummary summary = run_sync(config, options, &g_stop);
    metrics_refresher.reset();
    const PartitionStats& t = summary.totals;
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", summary.duration_seconds);
    const std::string status = summary.interrupted  ? "interrupted"
                               : summary.failed > 0 ? "failed"
                                                    : "ok";
    Logger::write(summary.failed > 0 || summary.interrupted ? LogLevel::error : LogLevel::info,
                  "sync finished",
                  {{"status", status},
                   {"round", std::to_string(summary.round_id)},
                   {"partitions", std::to_string(summary.partitions)},
                   {"failed", std::to_string(summary.failed)},
                   {"skipped", std::to_string(summary.skipped)},
                   {"pages", std::to_string(t.pages)},
                   {"requests", std::to_string(t.requests)},
                   {"retries", std::to_string(t.retries)},
                   {"jobs", std::to_string(t.jobs)},
                   {"inserted", std::to_string(t.inserted)},
                   {"updated", std::to_string(t.updated)},
                   {"unchanged", std::to_string(t.unchanged)},
                   {"refusals", std::to_string(t.refused)},
                   {"quarantined", std::to_string(t.quarantined)},
                   {"refreshed_by_id", std::to_string(t.refreshed_by_id)},
                   {"requests_by_id", std::to_string(t.requests_by_id)},
                   {"vanished", std::to_string(t.vanished)},
                   {"slices", std::to_string(t.slices)},
                   {"warnings", std::to_string(t.warnings)},
                   {"duration_s", duration},
                   {"worst_lag", format_lag(t.lag_seconds)}});
    bool metrics_failed = false;
    if (!metrics_path.empty()) {
        try {
            write_metrics_file(metrics_path, summary, now_unix_seconds(),
                               read_sync_state(config.database));
        } catch (const RunError& error) {
            log_error("metrics file not written", {{"error", error.what()}});
            metrics_failed = true;
        }
    }
    if (summary.interrupted) {
        return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGTERM);
    }
    return summary.failed > 0 || metrics_failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
    using namespace jobsync;
    disable_core_dumps();
    // Worker and prefetch threads each hold a few pages at a time; without a
    // cap glibc gives each thread its own arena, whose freed pages then stay
    // resident (docs/performance.md: peak RSS).
    mallopt(M_ARENA_MAX, 2);
    try {
        const CommandLine cmd = parse_command_line(argc, argv);
        if (cmd.help) {
            std::cout << usage_text();
            return 0;
        }
        if (cmd.version) {
            std::cout << "ci-jobsync " << kVersion << "\n";
            return 0;
        }
        Logger::configure(cmd.log_level, cmd.log_format);
        return run_command(cmd);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "ci-jobsync: error: %s\n", e.what());
        return 2;
    } catch (const RunError& e) {
        log_error(e.what());
        return g_stop ? 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGTERM) : 1;
    } catch (const pqxx::failure& e) {
        log_error("database error", {{"error", e.what()}});
        return 1;
    } catch (const std::exception& e) {
        log_error("unexpected error", {{"error", e.what()}});
        return 1;
    }
}
