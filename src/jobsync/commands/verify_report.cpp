#include "jobsync/commands/verify_report.hpp"

#include <algorithm>

namespace jobsync {
namespace {

// Separates the output files aggregated into one text value per job.
constexpr char kFileSeparator = '\x1f';

std::string md5_entry(std::string_view kind, std::string_view object, std::string_view md5)
{
    return std::string(kind) + " " + std::string(object) + " " + std::string(md5);
}

std::string text_or_null(const std::optional<long long>& value)
{
    return value ? std::to_string(*value) : "NULL";
}

std::string time_or_null(const std::optional<UnixSeconds>& value)
{
    return value ? format_iso_utc(*value) : "NULL";
}

std::string join(const std::vector<std::string>& items)
{
    std::string text;
    for (const std::string& item : items) {
        text += (text.empty() ? "" : ", ") + item;
    }
    return "[" + text + "]";
}

// "state Running -> Success; progress 50 -> 100" (stored -> served), or "".
std::string describe_change(const JobFacts& stored, const JobFacts& served)
{
    std::string text;
    const auto add = [&text](const char* what, const std::string& from, const std::string& to) {
        if (from != to) {
            text += (text.empty() ? "" : "; ") + std::string(what) + " " + from + " -> " + to;
        }
    };
    add("state", stored.state.empty() ? "NULL" : stored.state,
        served.state.empty() ? "NULL" : served.state);
    add("progress", text_or_null(stored.progress), text_or_null(served.progress));
    add("end_time", time_or_null(stored.end_time), time_or_null(served.end_time));
    add("output_md5s", join(stored.output_md5s), join(served.output_md5s));
    return text;
}

} // namespace

JobFacts facts_of(const JobRecord& job)
{
    JobFacts facts;
    facts.state = std::string(job.state.value_or(""));
    facts.progress = job.progress;
    facts.end_time = job.end_time;
    for (const OutputFile& file : job.output_files) {
        facts.output_md5s.push_back(
            md5_entry(file.kind, file.object_name.value_or(""), file.md5.value_or("")));
    }
    std::sort(facts.output_md5s.begin(), facts.output_md5s.end());
    return facts;
}

JobFactsById load_stored_facts(pqxx::transaction_base& txn, const Partition& partition,
                               std::optional<UnixSeconds> start, std::optional<UnixSeconds> end)
{
    const std::string start_text = start ? format_iso_utc(*start) : "";
    const std::string end_text = end ? format_iso_utc(*end) : "";
    const pqxx::result rows = txn.exec_params(
        "SELECT j.job_id, coalesce(j.state, ''), j.progress, "
        "extract(epoch FROM j.end_time)::bigint, "
        "string_agg(f.kind || ' ' || coalesce(f.object_name, '') || ' ' || coalesce(f.md5, ''), "
        "chr(31)) "
        "FROM jobs j LEFT JOIN output_files f USING (job_id) "
        "WHERE j.bucket = $1 AND j.tag = $2 AND ($3 = '' OR j.queue_id = $3) "
        "AND ($4 = '' OR j.creation_time > $4::timestamptz) "
        "AND ($5 = '' OR j.creation_time < $5::timestamptz) "
        "GROUP BY j.job_id",
        partition.bucket(), partition.tag, partition.queue_id, start_text, end_text);
    JobFactsById stored;
    for (const pqxx::row& row : rows) {
        JobFacts facts;
        facts.state = row[1].as<std::string>();
        if (!row[2].is_null()) {
            facts.progress = row[2].as<long long>();
        }
        if (!row[3].is_null()) {
            facts.end_time = row[3].as<long long>();
        }
        if (!row[4].is_null()) {
            const std::string files = row[4].as<std::string>();
            std::size_t from = 0;
            for (std::size_t to; (to = files.find(kFileSeparator, from)) != std::string::npos;
                 from = to + 1) {
                facts.output_md5s.push_back(files.substr(from, to - from));
            }
            facts.output_md5s.push_back(files.substr(from));
            std::sort(facts.output_md5s.begin(), facts.output_md5s.end());
        }
        stored.emplace(row[0].as<std::string>(), std::move(facts));
    }
    return stored;
}

void report_differences(const JobFactsById& served, const JobFactsById& stored,
                        const std::string& partition_label, std::ostream& out, VerifyCounts& counts)
{
    counts.checked += static_cast<long>(served.size());
    for (const auto& [job_id, facts] : served) {
        const auto found = stored.find(job_id);
        if (found == stored.end()) {
            ++counts.missing;
            out << "missing " << job_id << " (" << partition_label << ")\n";
            continue;
        }
        const std::string change = describe_change(found->second, facts);
        if (!change.empty()) {
            ++counts.different;
            out << "different " << job_id << " (" << partition_label << "): " << change << "\n";
        }
    }
    for (const auto& entry : stored) {
        if (served.count(entry.first) == 0) {
            ++counts.extra;
            out << "extra " << entry.first << " (" << partition_label << ")\n";
        }
    }
}

} // namespace jobsync
