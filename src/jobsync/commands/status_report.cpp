#include "jobsync/commands/status_report.hpp"

#include "jobsync/core/text_sanitizer.hpp"
#include "jobsync/db/database.hpp"
#include "jobsync/db/inbox_store.hpp"
#include "jobsync/db/quarantine_store.hpp"
#include "jobsync/db/round_store.hpp"
#include "jobsync/sync/partition.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace jobsync {
namespace {

struct PartitionStatusRow {
    std::string label;
    std::string kind; // jobs, workflow_runs or batch_jobs
    std::optional<UnixSeconds> cursor;
    std::string last_run_at;
    std::string last_status;
    std::string last_error;
    long stale_unfinished = 0;
    long walk_pages = 0;
    long quarantined = 0;
    long unfinished = 0;      // inside refresh_horizon, as of the last walk
    std::string last_refresh; // walk, by_id or none
    std::string refresh_note; // why not by id (sync_checkpoints.refresh_note)
    long vanished = 0;
    long slices = 0;                               // of the split walk in progress; 0 => not split
    std::vector<int> slices_done;                  // which of them are done
    const RoundHolder* holder = nullptr;           // who walks it in the open round
    std::vector<const RoundHolder*> slice_holders; // who walks which of its time slices
};

// The partition's claim rows walking in the open round: slice 0 (its walk)
// first, then its time slices.
std::vector<const RoundHolder*> holders_of(const std::optional<RoundView>& round,
                                           const Partition& partition)
{
    std::vector<const RoundHolder*> holders;
    if (!round) {
        return holders;
    }
    const ClaimKey key{partition.bucket(), partition.tag, partition.queue_id};
    for (const RoundHolder& holder : round->holders) {
        if (holder.key == key) {
            holders.push_back(&holder);
        }
    }
    return holders;
}

std::string describe_holder(const RoundHolder* holder)
{
    if (holder == nullptr) {
        return "-";
    }
    return sanitize_text(holder->worker_id) +
           (holder->lease_seconds_left < 0
                ? " (lease expired)"
                : " (lease " + format_lag(holder->lease_seconds_left) + ")");
}

// The walk's holder, then each walking slice's: "h:1:ab (lease 41s); slice 2: h:2:cd (lease 50s)".
std::string describe_holders(const PartitionStatusRow& row)
{
    std::string text = describe_holder(row.holder);
    for (const RoundHolder* holder : row.slice_holders) {
        text += "; slice " + std::to_string(holder->slice) + ": " + describe_holder(holder);
    }
    return text;
}

nlohmann::json slice_holders_json(const PartitionStatusRow& row)
{
    nlohmann::json holders = nlohmann::json::array();
    for (const RoundHolder* holder : row.slice_holders) {
        holders.push_back({{"slice", holder->slice},
                           {"held_by", sanitize_text(holder->worker_id)},
                           {"lease_seconds_left", holder->lease_seconds_left}});
    }
    return holders;
}

nlohmann::json round_json(const std::optional<RoundView>& round)
{
    if (!round) {
        return nullptr;
    }
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& [worker_id, lease_left] : round->workers) {
        workers.push_back(
            {{"worker_id", sanitize_text(worker_id)}, {"lease_seconds_left", lease_left}});
    }
    return {{"round_id", round->round_id},
            {"opened_at", round->opened_at},
            {"partitions", round->partitions},
            {"todo", round->todo},
            {"walking", round->walking},
            {"done", round->done},
            {"failed", round->failed},
            {"skipped", round->skipped},
            {"workers", workers}};
}

void write_round(std::ostream& out, const std::optional<RoundView>& round)
{
    if (!round) {
        out << "\nROUND: none in progress\n";
        return;
    }
    out << "\nROUND " << round->round_id << " (open since " << round->opened_at
        << "): " << round->partitions << " partitions, " << round->todo << " todo, "
        << round->walking << " walking, " << round->done << " done, " << round->failed
        << " failed, " << round->skipped << " skipped\n";
    for (const auto& [worker_id, lease_left] : round->workers) {
        out << "  worker " << sanitize_text(worker_id) << "  lease "
            << (lease_left < 0 ? std::string("expired") : format_lag(lease_left)) << "\n";
    }
}

PartitionStatusRow load_row(pqxx::transaction_base& txn, const Partition& partition,
                            long refresh_horizon_seconds, bool has_refresh_note)
{
    PartitionStatusRow row;
    row.label = sanitize_text(partition.label()); // a discovered queue id is server text
    row.kind = kind_name(partition.kind);
    const pqxx::result result = txn.exec_params(
        "SELECT extract(epoch FROM c.cursor)::bigint, "
        "coalesce(to_char(c.last_run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "''), "
        "coalesce(c.last_status, ''), coalesce(c.last_error, ''), "
        "(SELECT coalesce(sum(s.pages), 0) FROM sync_plans p JOIN sync_slices s USING (plan_id) "
        "  WHERE (p.bucket, p.tag, p.queue_id) = (c.bucket, c.tag, c.queue_id)), "
        "(SELECT count(*) FROM jobs j WHERE j.bucket = c.bucket AND j.tag = c.tag "
        "  AND (c.queue_id = '' OR j.queue_id = c.queue_id) "
        "  AND j.state IN ('Submitted', 'Running', 'Pause') "
        "  AND j.creation_time < now() - make_interval(secs => $4)), "
        "(SELECT count(*) FROM quarantine q WHERE q.bucket = c.bucket AND q.tag = c.tag "
        "  AND q.queue_id = c.queue_id), "
        "coalesce(c.unfinished_jobs, 0), coalesce(c.last_refresh, ''), "
        "(SELECT count(*) FROM jobs j WHERE j.bucket = c.bucket AND j.tag = c.tag "
        "  AND (c.queue_id = '' OR j.queue_id = c.queue_id) AND j.vanished_at IS NOT NULL), " +
            std::string(has_refresh_note ? "coalesce(c.refresh_note, '') " : "'' ") +
            "FROM sync_checkpoints c WHERE c.bucket = $1 AND c.tag = $2 AND c.queue_id = $3",
        partition.bucket(), partition.tag, partition.queue_id,
        static_cast<double>(refresh_horizon_seconds));
    if (result.empty()) {
        row.last_status = "never synced";
        return row;
    }
    const pqxx::row r = result[0];
    if (!r[0].is_null()) {
        row.cursor = r[0].as<long long>();
    }
    row.last_run_at = r[1].as<std::string>();
    row.last_status = r[2].as<std::string>();
    row.last_error = sanitize_text(r[3].as<std::string>()); // stored by any version
    row.walk_pages = r[4].as<long>();
    row.stale_unfinished = r[5].as<long>();
    row.quarantined = r[6].as<long>();
    row.unfinished = r[7].as<long>();
    row.last_refresh = r[8].as<std::string>();
    row.vanished = r[9].as<long>();
    row.refresh_note = sanitize_text(r[10].as<std::string>()); // holds server text
    return row;
}

// The slices of the plan in progress (migration 0017; a split walk has more
// than one).
void load_slices(pqxx::transaction_base& txn, const Partition& partition, PartitionStatusRow& row)
{
    for (const pqxx::row& r :
         txn.exec_params("SELECT s.slice, s.done_at IS NOT NULL FROM sync_plans p "
                         "JOIN sync_slices s USING (plan_id) "
                         "WHERE p.bucket = $1 AND p.tag = $2 AND p.queue_id = $3 ORDER BY s.slice",
                         partition.bucket(), partition.tag, partition.queue_id)) {
        ++row.slices;
        if (r[1].as<bool>()) {
            row.slices_done.push_back(r[0].as<int>());
        }
    }
}

// "2/4 done: 0,3"; "-" when the walk is not split.
std::string slices_text(const PartitionStatusRow& row)
{
    if (row.slices < 2) {
        return "-";
    }
    std::string text =
        std::to_string(row.slices_done.size()) + "/" + std::to_string(row.slices) + " done";
    for (std::size_t i = 0; i < row.slices_done.size(); ++i) {
        text += (i == 0 ? ": " : ",") + std::to_string(row.slices_done[i]);
    }
    return text;
}

// The configured partitions, plus those of discovering sources that earlier
// runs found (their queues are only known once listed).
std::vector<Partition> known_partitions(pqxx::transaction_base& txn, const Config& config)
{
    std::vector<Partition> partitions = expand_partitions(config);
    std::set<std::string> seen;
    for (const Partition& partition : partitions) {
        seen.insert(partition.label());
    }
    for (const auto& row : txn.exec("SELECT bucket, tag, queue_id FROM sync_checkpoints "
                                    "ORDER BY bucket, tag, queue_id")) {
        for (const SourceConfig& source : config.sources) {
            if (source.bucket != row[0].as<std::string>()) {
                continue;
            }
            const std::string tag = row[1].as<std::string>();
            Partition partition{&source, tag, row[2].as<std::string>(), kind_of_tag(tag)};
            if (seen.insert(partition.label()).second) {
                partitions.push_back(partition);
            }
        }
    }
    return partitions;
}

// Why partitions refreshed by re-walk what they would have fetched by id.
void write_refresh_notes(std::ostream& out, const std::vector<PartitionStatusRow>& rows)
{
    bool first = true;
    for (const PartitionStatusRow& row : rows) {
        if (row.refresh_note.empty()) {
            continue;
        }
        if (first) {
            out << "\nREFRESH NOTES (sync_checkpoints.refresh_note, as of each partition's last "
                   "walk):\n";
            first = false;
        }
        out << "  " << row.label << ": " << sanitize_text(row.refresh_note, TextForm::line, 400)
            << "\n";
    }
}

struct DriftRow {
    std::string tag, path, first_seen, last_seen, last_job_id;
    long long sightings = 0;
};

std::vector<DriftRow> load_drift(pqxx::transaction_base& txn)
{
    std::vector<DriftRow> rows;
    const char* iso = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
    for (const auto& row : txn.exec(
             std::string("SELECT tag, path, sightings, to_char(first_seen AT TIME ZONE 'UTC', ") +
             iso + "), to_char(last_seen AT TIME ZONE 'UTC', " + iso +
             "), coalesce(last_job_id, '') FROM schema_drift ORDER BY last_seen DESC, tag, path "
             "LIMIT 20")) {
        // Element paths and job ids come from the server.
        rows.push_back({sanitize_text(row[0].as<std::string>()),
                        sanitize_text(row[1].as<std::string>()), row[3].as<std::string>(),
                        row[4].as<std::string>(), sanitize_text(row[5].as<std::string>()),
                        row[2].as<long long>()});
    }
    return rows;
}

// Columns as wide as their widest cell (partition labels vary a lot in
// length), two spaces apart; the last column is not padded.
void write_aligned(std::ostream& out, const std::vector<std::vector<std::string>>& table)
{
    std::vector<std::size_t> widths(table.front().size(), 0);
    for (const auto& row : table) {
        for (std::size_t i = 0; i + 1 < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    for (const auto& row : table) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - row[i].size() + 2, ' ');
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << "\n";
    }
}

} // namespace

std::string format_lag(long seconds)
{
    if (seconds < 0) {
        return "-";
    }
    std::ostringstream out;
    const long days = seconds / 86400;
    const long hours = seconds / 3600 % 24;
    const long minutes = seconds / 60 % 60;
    if (days > 0) {
        out << days << "d" << hours << "h";
    } else if (hours > 0) {
        out << hours << "h" << minutes << "m";
    } else if (minutes > 0) {
        out << minutes << "m" << seconds % 60 << "s";
    } else {
        out << seconds << "s";
    }
    return out.str();
}

int print_status(const Config& config, const StatusOptions& options, std::ostream& out)
{
    auto conn = open_connection(config.database);
    pqxx::read_transaction txn(*conn);
    const UnixSeconds now = now_unix_seconds();
    const bool has_plans = txn.exec1("SELECT to_regclass('sync_plans') IS NOT NULL")[0].as<bool>();
    // A database not yet migrated to 0009 has no refresh notes.
    const bool has_refresh_note =
        txn.exec1("SELECT count(*) > 0 FROM pg_attribute WHERE attrelid = "
                  "to_regclass('sync_checkpoints') AND attname = 'refresh_note'")[0]
            .as<bool>();
    const std::optional<RoundView> round = round_store::open_round(txn);
    std::vector<PartitionStatusRow> rows;
    for (const Partition& partition : known_partitions(txn, config)) {
        rows.push_back(
            load_row(txn, partition, config.sync.refresh_horizon_seconds, has_refresh_note));
        for (const RoundHolder* holder : holders_of(round, partition)) {
            if (holder->plan_unit) {
                rows.back().holder = holder;
            } else {
                rows.back().slice_holders.push_back(holder);
            }
        }
        if (has_plans) {
            load_slices(txn, partition, rows.back());
        }
    }
    const std::vector<DriftRow> drift = load_drift(txn);
    const long quarantined = quarantine_store::count_all(txn);
    // A database not yet migrated to 0006 has no inbox: nothing was pushed.
    const bool has_inbox = txn.exec1("SELECT to_regclass('inbox') IS NOT NULL")[0].as<bool>();
    const inbox_store::InboxActivity inbox =
        has_inbox ? inbox_store::activity(txn) : inbox_store::InboxActivity{};
    int exit_code = 0;
    auto lag_of = [&](const PartitionStatusRow& row) {
        return row.cursor ? now - *row.cursor : -1L;
    };
    for (const PartitionStatusRow& row : rows) {
        const long lag = lag_of(row);
        if (options.max_lag_seconds && (lag < 0 || lag > *options.max_lag_seconds)) {
            exit_code = 1;
        }
    }
    if (options.json) {
        nlohmann::json report = {{"partitions", nlohmann::json::array()},
                                 {"schema_drift", nlohmann::json::array()},
                                 {"quarantined_jobs_total", quarantined},
                                 {"round", round_json(round)}};
        report["inbox"] = {
            {"depth", inbox.depth},
            {"last_push_age_seconds", inbox.last_push_age_seconds
                                          ? nlohmann::json(*inbox.last_push_age_seconds)
                                          : nlohmann::json()},
            {"oldest_age_seconds", inbox.oldest_age_seconds
                                       ? nlohmann::json(*inbox.oldest_age_seconds)
                                       : nlohmann::json()},
            {"dropped", inbox.dropped},
            {"runs_depth", inbox.runs_depth},
            {"runs_dropped", inbox.runs_dropped}};
        for (const DriftRow& row : drift) {
            report["schema_drift"].push_back({{"tag", row.tag},
                                              {"path", row.path},
                                              {"sightings", row.sightings},
                                              {"first_seen", row.first_seen},
                                              {"last_seen", row.last_seen},
                                              {"last_job_id", row.last_job_id}});
        }
        for (const PartitionStatusRow& row : rows) {
            report["partitions"].push_back(
                {{"partition", row.label},
                 {"kind", row.kind},
                 {"cursor", row.cursor ? format_iso_utc(*row.cursor) : ""},
                 {"lag_seconds", lag_of(row)},
                 {"last_run_at", row.last_run_at},
                 {"last_status", row.last_status},
                 {"last_error", row.last_error},
                 {"walk_in_progress_pages", row.walk_pages},
                 {"stale_unfinished_jobs", row.stale_unfinished},
                 {"quarantined_jobs", row.quarantined},
                 {"unfinished_jobs", row.unfinished},
                 {"last_refresh", row.last_refresh},
                 {"refresh_note", row.refresh_note},
                 {"vanished_jobs", row.vanished},
                 {"slices", row.slices},
                 {"slices_done", row.slices_done},
                 {"held_by", row.holder ? nlohmann::json(sanitize_text(row.holder->worker_id))
                                        : nlohmann::json()},
                 {"lease_seconds_left",
                  row.holder ? nlohmann::json(row.holder->lease_seconds_left) : nlohmann::json()},
                 {"slices_held_by", slice_holders_json(row)}});
        }
        out << report.dump(2) << "\n";
        return exit_code;
    }
    std::vector<std::vector<std::string>> table{{"PARTITION", "CURSOR", "LAG", "LAST RUN", "STATUS",
                                                 "UNFINISHED", "REFRESH", "STALE", "VANISHED",
                                                 "QUARANTINED", "SLICES", "HELD BY", "LAST ERROR"}};
    for (const PartitionStatusRow& row : rows) {
        table.push_back({row.label, row.cursor ? format_iso_utc(*row.cursor) : "-",
                         format_lag(lag_of(row)), row.last_run_at.empty() ? "-" : row.last_run_at,
                         row.last_status.empty() ? "-" : row.last_status,
                         std::to_string(row.unfinished),
                         row.last_refresh.empty() ? "-" : row.last_refresh,
                         std::to_string(row.stale_unfinished), std::to_string(row.vanished),
                         std::to_string(row.quarantined), slices_text(row), describe_holders(row),
                         sanitize_text(row.last_error, TextForm::line, 160)});
    }
    write_aligned(out, table);
    write_refresh_notes(out, rows);
    write_round(out, round);
    if (quarantined > 0) {
        out << "\nQUARANTINE: " << quarantined
            << " jobs could not be stored (table quarantine); each leaves it when it arrives "
               "clean\n";
    }
    const auto age = [](const std::optional<double>& seconds) {
        return seconds ? format_lag(static_cast<long>(*seconds)) + " ago" : std::string("never");
    };
    out << "\nINBOX (callbacks, `listen`): " << inbox.depth << " job ids waiting"
        << (inbox.oldest_age_seconds ? ", oldest " + age(inbox.oldest_age_seconds) : "")
        << "; newest push " << age(inbox.last_push_age_seconds)
        << (inbox.dropped > 0 ? "; " + std::to_string(inbox.dropped) +
                                    " given up after failed fetches (inbox_dropped)"
                              : std::string())
        << (inbox.runs_depth > 0
                ? "; " + std::to_string(inbox.runs_depth) + " workflow runs waiting (inbox_runs)"
                : std::string())
        << (inbox.runs_dropped > 0 ? "; " + std::to_string(inbox.runs_dropped) +
                                         " workflow runs given up on (inbox_runs_dropped)"
                                   : std::string())
        << "\n";
    if (!drift.empty()) {
        out << "\nSCHEMA DRIFT: elements the worker does not know (kept in jobs.detail)\n";
        for (const DriftRow& row : drift) {
            out << "  " << row.tag << " " << row.path << "  seen " << row.sightings
                << " times, first " << row.first_seen << ", last " << row.last_seen << " (job "
                << row.last_job_id << ")\n";
        }
    }
    return exit_code;
}

} // namespace jobsync
