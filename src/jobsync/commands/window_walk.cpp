#include "jobsync/commands/window_walk.hpp"

#include "jobsync/api/api_clients.hpp"
#include "jobsync/commands/verify_report.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_retry.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/drift_store.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/db/time_param.hpp"
#include "jobsync/parse/page_warning.hpp"
#include "jobsync/sync/page_walk.hpp"
#include "jobsync/sync/progress.hpp"

#include <algorithm>
#include <functional>

namespace jobsync {
namespace {

// The configured job partitions whose tag was asked for (all without
// --tags); verify and backfill walk jobs, not runs or batch jobs.
std::vector<Partition> selected_partitions(const Config& config, const WindowOptions& options)
{
    std::vector<Partition> selected;
    std::vector<Partition> all = expand_partitions(config);
    all.erase(std::remove_if(all.begin(), all.end(),
                             [](const Partition& p) { return p.kind != PartitionKind::jobs; }),
              all.end());
    for (const std::string& tag : options.tags) {
        const bool configured = std::any_of(all.begin(), all.end(),
                                            [&tag](const Partition& p) { return p.tag == tag; });
        if (!configured) {
            throw ConfigError("--tags: '" + tag + "' is not a configured tag");
        }
    }
    for (const Partition& partition : all) {
        if (options.tags.empty() || std::find(options.tags.begin(), options.tags.end(),
                                              partition.tag) != options.tags.end()) {
            selected.push_back(partition);
        }
    }
    return selected;
}

// What verify and backfill both set up: the partitions asked for, a
// database session, and the clients of one rate limiter.
struct WindowCommand {
    WindowCommand(const Config& config, const WindowOptions& options, StopToken stop)
        : partitions(selected_partitions(config, options)), db(config.database),
          limiter(config.sync.max_requests_per_second), api(config.sync, limiter, stop),
          clients(api)
    {
    }

    std::vector<Partition> partitions;
    DbSession db;
    RateLimiter limiter;
    ApiClientFactory api;
    ApiClients clients;
};

struct Window {
    std::optional<UnixSeconds> start, end;
};

// From --since (else the source's start_time), included: the API's bounds
// are exclusive, so the window starts a second before it. To --until, else
// the database's now minus the settle delay, as sync's windows end (jobs
// newer than that are not synced yet by design, so they would all differ).
Window window_of(const Config& config, const Partition& partition, const WindowOptions& options,
                 UnixSeconds database_now)
{
    Window window;
    const std::optional<UnixSeconds> since =
        options.since ? options.since : partition.source->start_time;
    if (since) {
        window.start = *since - 1;
    }
    window.end = options.until ? *options.until : database_now - config.sync.settle_delay_seconds;
    return window;
}

UnixSeconds now_in(DbSession& db)
{
    pqxx::read_transaction txn(db.conn());
    return database_now(txn);
}

// A walk without a checkpoint: a restart starts from the newest creation
// time handled, and each page goes to `handle`.
class WindowSink : public PageSink {
public:
    explicit WindowSink(std::function<void(const JobsPage&)> handle) : handle_(std::move(handle)) {}
    void on_page(const JobsPage& page, bool /*last_page*/) override { handle_(page); }
    void on_restart(std::optional<UnixSeconds> /*start*/) override {}

private:
    std::function<void(const JobsPage&)> handle_;
};

// Every page of the partition's window, oldest first, to `handle`. Throws
// PartitionError when the service fails, RunError when stopped.
void walk_window(CiClient& client, const Config& config, const Partition& partition,
                 const Window& window, StopToken stop, std::function<void(const JobsPage&)> handle)
{
    WindowSink sink(std::move(handle));
    if (!walk_pages(client, partition, config.sync.page_size, {window.start, window.end, "", {}},
                    stop.flag(), sink)) {
        throw RunError("interrupted");
    }
}

// One page in its own transaction; a lost connection or a rolled-back
// transaction is redone (the upserts are idempotent).
PageWriteResult write_page(DbSession& db, JobStore& store, const Partition& partition,
                           const JobsPage& page, StopToken stop)
{
    log_page_warnings(page.warnings, partition.label());
    DbRetryOptions retry;
    retry.stop_flag = stop;
    return perform(
        db, "writing a page",
        [&] {
            pqxx::work txn(db.conn());
            const PageWriteResult result =
                store.write_page(txn, partition, page.jobs, page.rejected);
            record_drift(txn, partition.bucket(), page);
            txn.commit();
            return result;
        },
        retry);
}

} // namespace

int run_verify(const Config& config, const WindowOptions& options, std::ostream& out,
               StopToken stop)
{
    WindowCommand command(config, options, stop);
    const std::vector<Partition>& partitions = command.partitions;
    ApiClients& clients = command.clients;
    VerifyCounts counts;
    int failed = 0;
    const UnixSeconds now = now_in(command.db);
    for (const Partition& partition : partitions) {
        const Window window = window_of(config, partition, options, now);
        JobFactsById served;
        try {
            walk_window(clients.for_source(*partition.source), config, partition, window, stop,
                        [&served](const JobsPage& page) {
                            for (const JobRecord& job : page.jobs) {
                                served[std::string(job.job_id)] = facts_of(job);
                            }
                        });
        } catch (const PartitionError& e) {
            ++failed;
            out << "error " << partition.label() << ": " << e.what() << "\n";
            continue;
        }
        pqxx::read_transaction txn(command.db.conn());
        const JobFactsById stored = load_stored_facts(txn, partition, window.start, window.end);
        report_differences(served, stored, partition.label(), out, counts);
    }
    out << "verify: " << counts.checked << " jobs checked in " << partitions.size()
        << " partitions: " << counts.missing << " missing, " << counts.extra << " extra, "
        << counts.different << " different";
    if (failed > 0) {
        out << ", " << failed << " partitions could not be read";
    }
    out << "\n";
    return counts.differing() > 0 || failed > 0 ? 1 : 0;
}

int run_backfill(const Config& config, const WindowOptions& options, StopToken stop)
{
    WindowCommand command(config, options, stop);
    DbSession& db = command.db;
    apply_migrations(db.conn(), config.database.schema);
    JobStore store;
    int failed = 0;
    const UnixSeconds now = now_in(db);
    for (const Partition& partition : command.partitions) {
        const Window window = window_of(config, partition, options, now);
        ProgressBoard* board = ProgressBoard::current();
        if (board != nullptr) {
            board->start_walk(partition.label(), window.start, window.end.value_or(0));
        }
        PageWriteResult totals;
        try {
            walk_window(command.clients.for_source(*partition.source), config, partition, window,
                        stop, [&](const JobsPage& page) {
                            const PageWriteResult r = write_page(db, store, partition, page, stop);
                            if (board != nullptr) {
                                board->page_committed(partition.label(),
                                                      static_cast<long>(page.jobs.size()),
                                                      newest_creation_time(page));
                            }
                            totals += r;
                        });
        } catch (const PartitionError& e) {
            ++failed;
            log_error("backfill of a partition failed",
                      {{"partition", partition.label()}, {"error", e.what()}});
            continue;
        }
        if (board != nullptr) {
            board->finish_walk(partition.label());
        }
        log_info("partition backfilled", {{"partition", partition.label()},
                                          {"inserted", std::to_string(totals.inserted)},
                                          {"updated", std::to_string(totals.updated)},
                                          {"unchanged", std::to_string(totals.unchanged)},
                                          {"refused", std::to_string(totals.refused)},
                                          {"quarantined", std::to_string(totals.quarantined)}});
    }
    return failed > 0 ? 1 : 0;
}

} // namespace jobsync
