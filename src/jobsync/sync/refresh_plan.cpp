#include "jobsync/sync/refresh_plan.hpp"

#include <algorithm>

namespace jobsync {
namespace {

long ceil_div(long count, long per)
{
    return per <= 0 ? count : (count + per - 1) / per;
}

} // namespace

RefreshPlan plan_refresh(const RefreshFacts& facts)
{
    RefreshPlan plan;
    if (facts.unfinished <= 0) {
        return plan;
    }
    // The walked jobs include the unfinished ones themselves.
    plan.walk_requests =
        ceil_div(std::max(facts.jobs_since_oldest, facts.unfinished), std::max(facts.page_size, 1));
    plan.by_id_requests = ceil_div(facts.unfinished, std::max(facts.ids_per_request, 1));
    plan.mode = plan.by_id_requests < plan.walk_requests ? RefreshMode::by_id : RefreshMode::walk;
    return plan;
}

} // namespace jobsync
