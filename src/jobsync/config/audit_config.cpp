#include "jobsync/config/audit_config.hpp"

#include "jobsync/config/endpoint.hpp"

namespace jobsync {
namespace {

// A positive rate: an audit never runs unlimited (COS and filehash have quotas).
double read_positive_rate(const Section& section, std::string_view key, double fallback)
{
    if (section.table.get(key) == nullptr) {
        return fallback;
    }
    const double value = read_rate(section, key);
    if (value <= 0) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + " must be above 0 (requests per second)");
    }
    return value;
}

} // namespace

AuditConfig load_audit(const Section& root)
{
    AuditConfig audit;
    const toml::table* table = read_table(root, "audit");
    if (table == nullptr) {
        return audit;
    }
    const Section s{*table, "[audit]", root.diag};
    reject_unknown_keys(s, {"endpoint", "allow_insecure_http", "max_requests_per_second",
                            "concurrency", "recheck_after", "filehash",
                            "filehash_requests_per_second", "metrics_file"});
    if (const auto base = read_base_url(s, "endpoint", "")) {
        audit.endpoint = base->url;
    }
    audit.max_requests_per_second =
        read_positive_rate(s, "max_requests_per_second", audit.max_requests_per_second);
    audit.concurrency =
        static_cast<int>(read_integer(s, "concurrency", 1, 256).value_or(audit.concurrency));
    audit.recheck_after_seconds =
        read_duration(s, "recheck_after", Zero::rejected).value_or(audit.recheck_after_seconds);
    audit.filehash = read_boolean(s, "filehash").value_or(audit.filehash);
    audit.filehash_requests_per_second =
        read_positive_rate(s, "filehash_requests_per_second", audit.filehash_requests_per_second);
    audit.metrics_file = read_string(s, "metrics_file").value_or("");
    return audit;
}

} // namespace jobsync
