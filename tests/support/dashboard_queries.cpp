#include "support/dashboard_queries.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace testing {
namespace {

std::string read_file(const std::string& path)
{
    std::ifstream file(path);
    if (!file) {
        throw std::runtime_error("cannot read " + path);
    }
    return std::string(std::istreambuf_iterator<char>(file), {});
}

nlohmann::json dashboard()
{
    return nlohmann::json::parse(read_file(dashboard_path()));
}

template <typename Visit> void each_target(const nlohmann::json& panels, Visit visit)
{
    for (const nlohmann::json& panel : panels) {
        if (panel.contains("panels")) {
            each_target(panel["panels"], visit);
        }
        for (const nlohmann::json& target : panel.value("targets", nlohmann::json::array())) {
            visit(panel.value("title", std::string()), target);
        }
    }
}

bool is_name_start(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool is_name_char(char c)
{
    return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Index just past the bracket that closes the one at `open`, skipping strings.
std::size_t past_closing(const std::string& text, std::size_t open, char opening, char closing)
{
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"' || c == '\'' || c == '`') {
            for (++i; i < text.size() && text[i] != c; ++i) {
                if (text[i] == '\\') {
                    ++i;
                }
            }
        } else if (c == opening) {
            ++depth;
        } else if (c == closing && --depth == 0) {
            return i + 1;
        }
    }
    throw std::runtime_error("unbalanced '" + std::string(1, opening) + "' in: " + text);
}

std::size_t skip_spaces(const std::string& text, std::size_t i)
{
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
    }
    return i;
}

} // namespace

std::string dashboard_path()
{
    return std::string(PROJECT_SOURCE_DIR) + "/config/grafana/ci-jobsync.json";
}

std::string rules_path()
{
    return std::string(PROJECT_SOURCE_DIR) + "/config/prometheus/ci-jobsync-rules.yml";
}

std::vector<ShippedQuery> dashboard_promql()
{
    std::vector<ShippedQuery> queries;
    each_target(dashboard()["panels"], [&](const std::string& title, const nlohmann::json& t) {
        if (t.contains("expr")) {
            queries.push_back({"panel '" + title + "' " + t.value("refId", ""), t["expr"]});
        }
    });
    return queries;
}

std::vector<ShippedQuery> dashboard_sql()
{
    std::vector<ShippedQuery> queries;
    each_target(dashboard()["panels"], [&](const std::string& title, const nlohmann::json& t) {
        if (t.contains("rawSql")) {
            queries.push_back({"panel '" + title + "' " + t.value("refId", ""), t["rawSql"]});
        }
    });
    return queries;
}

std::vector<ShippedQuery> alert_expressions()
{
    // The rules file keeps each expr on one line (`expr: ...`), after its
    // `- alert: Name` line; a block scalar would need a YAML parser.
    std::vector<ShippedQuery> queries;
    std::istringstream lines(read_file(rules_path()));
    static const std::regex alert_line(R"(^\s*- alert:\s*(\S+)\s*$)");
    static const std::regex expr_line(R"(^\s*expr:\s*(.*\S)\s*$)");
    std::string line, alert;
    std::smatch match;
    while (std::getline(lines, line)) {
        if (std::regex_match(line, match, alert_line)) {
            alert = match[1];
        } else if (std::regex_match(line, match, expr_line)) {
            std::string expr = match[1];
            if (expr == "|" || expr == ">" || expr[0] == '"' || expr[0] == '\'') {
                throw std::runtime_error("alert " + alert +
                                         ": write its expr plain on one line (the test reads it)");
            }
            // A plain scalar is taken as written: what Prometheus loads.
            queries.push_back({"alert " + alert, expr});
        }
    }
    return queries;
}

std::string expand_grafana_promql(const std::string& expr, const std::string& range)
{
    std::string out = std::regex_replace(expr, std::regex(R"(\$__rate_interval)"), range);
    return std::regex_replace(out, std::regex(R"(\$__interval)"), range);
}

std::string expand_grafana_sql(const std::string& sql)
{
    return std::regex_replace(
        sql, std::regex(R"(\$__timeFilter\(([^)]+)\))"),
        "$1 BETWEEN '1970-01-01T00:00:00Z'::timestamptz AND '2200-01-01T00:00:00Z'::timestamptz");
}

std::vector<std::string> promql_selectors(const std::string& expr)
{
    // Keywords, and the aggregations that may come before their `by (...)`.
    static const std::set<std::string> keywords{
        "by",           "without", "on",     "ignoring", "group_left", "group_right", "bool",
        "and",          "or",      "unless", "offset",   "inf",        "nan",         "sum",
        "min",          "max",     "avg",    "group",    "stddev",     "stdvar",      "count",
        "count_values", "bottomk", "topk",   "quantile"};
    static const std::set<std::string> label_lists{"by",       "without",    "on",
                                                   "ignoring", "group_left", "group_right"};
    std::vector<std::string> selectors;
    std::size_t i = 0;
    while (i < expr.size()) {
        const char c = expr[i];
        if (c == '"' || c == '\'' || c == '`') { // a string: skip to its closing quote
            for (++i; i < expr.size() && expr[i] != c; ++i) {
                i += expr[i] == '\\' ? 1 : 0;
            }
            ++i;
            continue;
        }
        if (c == '[') { // a range or subquery: durations only
            i = past_closing(expr, i, '[', ']');
            continue;
        }
        if (c == '{') { // a selector without a name
            const std::size_t end = past_closing(expr, i, '{', '}');
            selectors.push_back(expr.substr(i, end - i));
            i = end;
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) { // a number, e.g. 1e3 or 0x1f
            while (i < expr.size() && (is_name_char(expr[i]) || expr[i] == '.')) {
                ++i;
            }
            continue;
        }
        if (!is_name_start(c)) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < expr.size() && is_name_char(expr[end])) {
            ++end;
        }
        const std::string name = expr.substr(i, end - i);
        const std::size_t next = skip_spaces(expr, end);
        if (label_lists.count(name) > 0) {
            i = next < expr.size() && expr[next] == '(' ? past_closing(expr, next, '(', ')') : next;
        } else if (keywords.count(name) > 0 || (next < expr.size() && expr[next] == '(')) {
            i = end; // a keyword, a function or an aggregation
        } else if (next < expr.size() && expr[next] == '{') {
            const std::size_t close = past_closing(expr, next, '{', '}');
            selectors.push_back(name + expr.substr(next, close - next));
            i = close;
        } else {
            selectors.push_back(name);
            i = end;
        }
    }
    return selectors;
}

std::vector<std::string> sql_relations(const std::string& sql)
{
    static const std::regex relation(R"(\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_.]*))",
                                     std::regex::icase);
    std::vector<std::string> names;
    for (std::sregex_iterator it(sql.begin(), sql.end(), relation), end; it != end; ++it) {
        names.push_back((*it)[1]);
    }
    return names;
}

} // namespace testing
