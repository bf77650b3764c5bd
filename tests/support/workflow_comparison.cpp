#include "support/workflow_comparison.hpp"

#include <optional>

namespace testing {
namespace {

using jobsync::UnixSeconds;
using jobsync::emulator::WorkflowData;

// SQL: a text column, NULL and '' as "-".
std::string text_of(const std::string& column)
{
    return "coalesce(nullif(" + column + "::text, ''), '-')";
}

// SQL: a timestamptz as its epoch second, NULL as "-".
std::string epoch_of(const std::string& column)
{
    return "coalesce(extract(epoch FROM " + column + ")::bigint::text, '-')";
}

std::string line_sql(const std::vector<std::string>& fields)
{
    std::string sql;
    for (const std::string& field : fields) {
        sql += (sql.empty() ? "" : " || '|' || ") + field;
    }
    return sql;
}

std::string text(const std::string& value)
{
    return value.empty() ? "-" : value;
}

std::string epoch(const std::optional<UnixSeconds>& instant)
{
    return instant ? std::to_string(*instant) : "-";
}

std::string line(const std::vector<std::string>& fields)
{
    std::string out;
    for (const std::string& field : fields) {
        out += (out.empty() ? "" : "|") + field;
    }
    return out;
}

std::vector<std::string> prefixed(const std::string& prefix, std::vector<std::string> lines)
{
    for (std::string& line : lines) {
        line = prefix + line;
    }
    return lines;
}

} // namespace

std::set<std::string> row_set(const TempDatabase& db, const std::string& sql)
{
    auto conn = db.connect();
    pqxx::nontransaction txn(*conn);
    std::set<std::string> rows;
    for (const auto& row : txn.exec(sql)) {
        rows.insert(row[0].is_null() ? std::string("NULL") : row[0].as<std::string>());
    }
    return rows;
}

std::vector<std::string> set_differences(const std::set<std::string>& stored,
                                         const std::set<std::string>& expected, std::size_t limit)
{
    std::vector<std::string> out;
    for (const std::string& row : stored) {
        if (expected.count(row) == 0 && out.size() < limit) {
            out.push_back("extra: " + row);
        }
    }
    for (const std::string& row : expected) {
        if (stored.count(row) == 0 && out.size() < limit) {
            out.push_back("missing: " + row);
        }
    }
    return out;
}

std::vector<std::string> compare_workflow_runs(const TempDatabase& db, const WorkflowData& data)
{
    std::set<std::string> expected;
    for (const auto& run : data.runs) {
        expected.insert(line({run.run_id, text(run.workflow_id), text(run.workflow_name),
                              text(run.object), text(run.state), epoch(run.create_time)}));
    }
    return set_differences(
        row_set(db, "SELECT " +
                        line_sql({"run_id", text_of("workflow_id"), text_of("workflow_name"),
                                  text_of("object"), text_of("state"), epoch_of("create_time")}) +
                        " FROM workflow_runs"),
        expected);
}

std::vector<std::string> compare_run_tasks(const TempDatabase& db, const WorkflowData& data)
{
    std::set<std::string> expected;
    for (const auto& run : data.runs) {
        int ordinal = 0;
        for (const auto& task : run.tasks) {
            expected.insert(
                line({run.run_id, std::to_string(++ordinal), text(task.node_name), text(task.type),
                      text(task.job_id), text(task.state), text(task.code), text(task.message),
                      epoch(task.create_time), epoch(task.start_time), epoch(task.end_time)}));
        }
    }
    return set_differences(
        row_set(db, "SELECT " +
                        line_sql({"run_id", "ordinal::text", text_of("node_name"), text_of("type"),
                                  text_of("job_id"), text_of("state"), text_of("code"),
                                  text_of("message"), epoch_of("create_time"),
                                  epoch_of("start_time"), epoch_of("end_time")}) +
                        " FROM workflow_run_tasks"),
        expected);
}

std::vector<std::string> compare_batch_jobs(const TempDatabase& db, const WorkflowData& data,
                                            const std::string& bucket)
{
    std::set<std::string> expected;
    for (const auto& job : data.batch_jobs) {
        expected.insert(line({job.job_id, bucket, text(job.type), text(job.name), text(job.state),
                              text(job.code), text(job.message), epoch(job.creation_time),
                              epoch(job.start_time), epoch(job.end_time)}));
    }
    return set_differences(
        row_set(db, "SELECT " +
                        line_sql({"job_id", "bucket", text_of("type"), text_of("name"),
                                  text_of("state"), text_of("code"), text_of("message"),
                                  epoch_of("creation_time"), epoch_of("start_time"),
                                  epoch_of("end_time")}) +
                        " FROM batch_jobs"),
        expected);
}

std::vector<std::string> compare_with_workflow_data(const TempDatabase& db,
                                                    const WorkflowData& data,
                                                    const std::string& bucket)
{
    std::vector<std::string> out = prefixed("workflow_runs ", compare_workflow_runs(db, data));
    for (std::string& line : prefixed("workflow_run_tasks ", compare_run_tasks(db, data))) {
        out.push_back(std::move(line));
    }
    for (std::string& line : prefixed("batch_jobs ", compare_batch_jobs(db, data, bucket))) {
        out.push_back(std::move(line));
    }
    return out;
}

} // namespace testing
