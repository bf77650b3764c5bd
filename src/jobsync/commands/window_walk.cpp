#include "jobsync/commands/window_walk.hpp"

#include "jobsync/commands/verify_report.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"
#include "jobsync/db/db_session.hpp"
#include "jobsync/db/drift_store.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/migrations.hpp"
#include "jobsync/sync/progress.hpp"
#include "jobsync/sync/window_pages.hpp"

#include <algorithm>
#include <map>
#include <memory>

namespace jobsync {
namespace {

constexpr int kMaxPageWriteAttempts = 5;

// The configured partitions whose tag was asked for (all without --tags).
std::vector<Partition> selected_partitions(const Config& config, const WindowOptions& options)
{
    std::vector<Partition> selected;
    const std::vector<Partition> all = expand_partitions(config);
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

// One client per source, each with the abort flag, created on first use.
class Clients {
public:
    Clients(const SyncConfig& sync, const std::atomic<bool>* stop_flag)
        : sync_(sync), stop_flag_(stop_flag)
    {
    }

    CiClient& for_source(const SourceConfig& source)
    {
        auto& client = clients_[&source];
        if (!client) {
            RetryPolicy retry;
            retry.max_attempts = sync_.max_attempts;
            retry.max_total_seconds = sync_.retry_max_seconds;
            client = std::make_unique<CiClient>(source,
                                                HttpOptions{sync_.connect_timeout_seconds,
                                                            sync_.request_timeout_seconds,
                                                            sync_.max_response_bytes},
                                                retry);
            client->set_abort_flag(stop_flag_);
        }
        return *client;
    }

private:
    const SyncConfig& sync_;
    const std::atomic<bool>* stop_flag_;
    std::map<const SourceConfig*, std::unique_ptr<CiClient>> clients_;
};

struct Window {
    std::optional<UnixSeconds> start, end;
};

// Defaults: the source's start_time, and now minus the settle delay (jobs
// newer than that are not synced yet by design, so they would all differ).
Window window_of(const Config& config, const Partition& partition, const WindowOptions& options)
{
    Window window;
    window.start = options.since ? options.since : partition.source->start_time;
    window.end =
        options.until ? *options.until : now_unix_seconds() - config.sync.settle_delay_seconds;
    return window;
}

// One page in its own transaction; a lost connection or a rolled-back
// transaction is redone (the upserts are idempotent).
PageWriteResult write_page_with_retries(DbSession& db, JobStore& store, const Partition& partition,
                                        const JobsPage& page)
{
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::work txn(db.conn());
            const PageWriteResult result =
                store.write_page(txn, partition, page.jobs, page.rejected);
            record_drift(txn, partition.bucket(), page);
            txn.commit();
            return result;
        } catch (const pqxx::failure& e) {
            const DbFault fault = classify_db_error(e);
            if (fault == DbFault::none || attempt >= kMaxPageWriteAttempts) {
                throw;
            }
            log_warn("database error; redoing the page", {{"error", e.what()}});
            if (fault == DbFault::connection_lost) {
                db.reconnect();
            }
        }
    }
}

} // namespace

int run_verify(const Config& config, const WindowOptions& options, std::ostream& out,
               const std::atomic<bool>* stop_flag)
{
    const std::vector<Partition> partitions = selected_partitions(config, options);
    DbSession db(config.database);
    Clients clients(config.sync, stop_flag);
    VerifyCounts counts;
    int failed = 0;
    for (const Partition& partition : partitions) {
        const Window window = window_of(config, partition, options);
        JobFactsById served;
        try {
            walk_window(clients.for_source(*partition.source), partition, config.sync.page_size,
                        window.start, window.end, stop_flag, [&served](const JobsPage& page) {
                            for (const JobRecord& job : page.jobs) {
                                served[std::string(job.job_id)] = facts_of(job);
                            }
                        });
        } catch (const PartitionError& e) {
            ++failed;
            out << "error " << partition.label() << ": " << e.what() << "\n";
            continue;
        }
        pqxx::read_transaction txn(db.conn());
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

int run_backfill(const Config& config, const WindowOptions& options,
                 const std::atomic<bool>* stop_flag)
{
    const std::vector<Partition> partitions = selected_partitions(config, options);
    DbSession db(config.database);
    apply_migrations(db.conn(), config.database.schema);
    Clients clients(config.sync, stop_flag);
    JobStore store;
    int failed = 0;
    for (const Partition& partition : partitions) {
        const Window window = window_of(config, partition, options);
        ProgressBoard* board = ProgressBoard::current();
        if (board != nullptr) {
            board->start_walk(partition.label(), window.start, window.end.value_or(0));
        }
        PageWriteResult totals;
        try {
            walk_window(clients.for_source(*partition.source), partition, config.sync.page_size,
                        window.start, window.end, stop_flag, [&](const JobsPage& page) {
                            const PageWriteResult r =
                                write_page_with_retries(db, store, partition, page);
                            if (board != nullptr) {
                                std::optional<UnixSeconds> newest;
                                for (const JobRecord& job : page.jobs) {
                                    newest = std::max(newest.value_or(job.creation_time),
                                                      job.creation_time);
                                }
                                board->page_committed(partition.label(),
                                                      static_cast<long>(page.jobs.size()), newest);
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
