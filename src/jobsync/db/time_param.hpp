// Times to and from statements: an ISO timestamptz parameter, a field read
// back as epoch seconds, and the database's clock.
#pragma once

#include "jobsync/core/api_time.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>

namespace jobsync {

// A timestamptz parameter: ISO text, or a null pointer for NULL.
struct TimeParam {
    explicit TimeParam(std::optional<UnixSeconds> t);
    const char* get() const { return null ? nullptr : text.c_str(); }
    std::string text;
    bool null;
};

// A field selected as extract(epoch FROM ...)::bigint; nullopt for NULL.
std::optional<UnixSeconds> epoch_or_null(const pqxx::field& field);

// The database's now() (the transaction's start), in whole seconds: the one
// clock every worker of a fleet shares, as the leases and the shared cursors
// need; a worker's own clock may run ahead or behind.
UnixSeconds database_now(pqxx::transaction_base& txn);

} // namespace jobsync
