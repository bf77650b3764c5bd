#include "jobsync/db/time_param.hpp"

namespace jobsync {

TimeParam::TimeParam(std::optional<UnixSeconds> t) : text(t ? format_iso_utc(*t) : ""), null(!t) {}

std::optional<UnixSeconds> epoch_or_null(const pqxx::field& field)
{
    if (field.is_null()) {
        return std::nullopt;
    }
    return field.as<long long>();
}

UnixSeconds database_now(pqxx::transaction_base& txn)
{
    return txn.exec1("SELECT floor(extract(epoch FROM now()))::bigint")[0].as<long long>();
}

} // namespace jobsync
