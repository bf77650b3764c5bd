// perform()'s pauses between redos end on a stop: the work is not redone and
// the caller gets RunError("interrupted while ..."), as a lost connection or
// a lock wait already did. No timing: the stop is requested by the work
// itself, so the order of events is fixed.
#include "jobsync/core/errors.hpp"
#include "jobsync/core/stop_token.hpp"
#include "jobsync/db/db_retry.hpp"
#include "support/temp_database.hpp"

#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include <string>

using namespace testing;

namespace {

std::string run_error_of(const std::function<void()>& work)
{
    try {
        work();
    } catch (const jobsync::RunError& error) {
        return error.what();
    }
    return "no RunError";
}

} // namespace

TEST_CASE("db retry: a stop during the pause after a rolled-back transaction ends the redos")
{
    jobsync::DbSession session(shared_database().config());
    jobsync::StopSource stop;
    jobsync::DbRetryOptions options;
    options.stop_flag = stop.token();
    options.max_conflicts = 10; // more than the two calls below need
    int calls = 0;
    const std::string error = run_error_of([&] {
        jobsync::perform(
            session, "writing a test page",
            [&] {
                ++calls;
                if (calls == 2) {
                    stop.request_stop(); // SIGTERM while the work runs
                }
                throw pqxx::serialization_failure("could not serialize access (injected)");
            },
            options);
    });
    CHECK(error == "interrupted while writing a test page");
    CHECK(calls == 2); // redone once before the stop, never after it
}

TEST_CASE("db retry: without a stop, a rolled-back transaction is redone until it commits")
{
    jobsync::DbSession session(shared_database().config());
    int calls = 0;
    const int result = jobsync::perform(session, "writing a test page", [&] {
        if (++calls < 3) {
            throw pqxx::serialization_failure("could not serialize access (injected)");
        }
        pqxx::work txn(session.conn());
        const int one = txn.exec1("SELECT 1")[0].as<int>();
        txn.commit();
        return one;
    });
    CHECK(result == 1);
    CHECK(calls == 3);
}
