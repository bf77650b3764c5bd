// Nullable times to and from statements: an ISO timestamptz parameter, and
// a field read back as epoch seconds.
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

} // namespace jobsync
