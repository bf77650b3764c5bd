#include "support/fault_trigger.hpp"

namespace testing {

FaultTrigger::FaultTrigger(const TempDatabase& db, const std::string& when, const std::string& body)
    : db_(db)
{
    auto conn = db.connect();
    pqxx::work txn(*conn);
    txn.exec("CREATE SEQUENCE fault_seq");
    txn.exec("CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $f$ "
             "DECLARE n bigint; BEGIN " +
             body + " RETURN NEW; END $f$");
    txn.exec("CREATE TRIGGER inject_fault " + when + " EXECUTE FUNCTION inject_fault()");
    txn.commit();
}

FaultTrigger::~FaultTrigger()
{
    auto conn = db_.connect();
    pqxx::work txn(*conn);
    txn.exec("DROP FUNCTION inject_fault() CASCADE"); // and its trigger
    txn.exec("DROP SEQUENCE fault_seq");
    txn.commit();
}

long FaultTrigger::fired() const
{
    return std::stol(db_.scalar("SELECT last_value FROM fault_seq"));
}

} // namespace testing

// libpqxx 6.4 does not free the PGresult of a statement whose connection
// broke mid-query (a few hundred bytes per lost connection, in the library).
// Every test that breaks connections links this file, so LeakSanitizer is told
// here, for plain and prepared statements alike.
extern "C" const char* __lsan_default_suppressions()
{
    return "leak:pqxx::connection_base::exec_params\n"
           "leak:pqxx::connection_base::exec_prepared\n";
}
