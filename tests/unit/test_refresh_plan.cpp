#include "jobsync/sync/refresh_plan.hpp"

#include <catch2/catch.hpp>

using namespace jobsync;

TEST_CASE("refresh plan: nothing unfinished needs no refresh")
{
    const RefreshPlan plan = plan_refresh({0, 5000, 100, 10});
    CHECK(plan.mode == RefreshMode::none);
    CHECK(plan.walk_requests == 0);
    CHECK(plan.by_id_requests == 0);
}

TEST_CASE("refresh plan: a few old unfinished jobs among days of history go by id")
{
    // 3 paused jobs, 7 days of history at 100 jobs a page: 1 request vs 420.
    const RefreshPlan plan = plan_refresh({3, 42000, 100, 10});
    CHECK(plan.mode == RefreshMode::by_id);
    CHECK(plan.by_id_requests == 1);
    CHECK(plan.walk_requests == 420);
}

TEST_CASE("refresh plan: dense recent unfinished jobs are cheaper to walk")
{
    // 250 unfinished among the last 400 jobs: 4 pages vs 25 by-id requests.
    const RefreshPlan plan = plan_refresh({250, 400, 100, 10});
    CHECK(plan.mode == RefreshMode::walk);
    CHECK(plan.walk_requests == 4);
    CHECK(plan.by_id_requests == 25);
}

TEST_CASE("refresh plan: a tie goes to the walk; the by-id batch size counts")
{
    CHECK(plan_refresh({10, 100, 100, 10}).mode == RefreshMode::walk);  // 1 vs 1
    CHECK(plan_refresh({11, 150, 100, 10}).mode == RefreshMode::walk);  // 2 vs 2
    CHECK(plan_refresh({11, 250, 100, 10}).mode == RefreshMode::by_id); // 3 vs 2
    // With ids_per_request 5, 11 ids cost 3 requests.
    const RefreshPlan smaller = plan_refresh({11, 250, 100, 5});
    CHECK(smaller.by_id_requests == 3);
    CHECK(smaller.mode == RefreshMode::walk);
}
