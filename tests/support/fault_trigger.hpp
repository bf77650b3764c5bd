// A database fault injected by a trigger: PL/pgSQL that may raise an error or
// terminate the backend, counted by a sequence that survives rollbacks, and
// removed again when the FaultTrigger goes out of scope.
#pragma once

#include "support/temp_database.hpp"

#include <string>

namespace testing {

class FaultTrigger {
public:
    // `when`: e.g. "BEFORE INSERT ON jobs FOR EACH STATEMENT". `body`: the
    // statements of the trigger function, which declares `n bigint` and may
    // count with n := nextval('fault_seq').
    FaultTrigger(const TempDatabase& db, const std::string& when, const std::string& body);
    ~FaultTrigger();
    FaultTrigger(const FaultTrigger&) = delete;
    FaultTrigger& operator=(const FaultTrigger&) = delete;

    long fired() const; // the sequence's last value

private:
    const TempDatabase& db_;
};

} // namespace testing
