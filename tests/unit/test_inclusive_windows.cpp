// The listings with inclusive creation-time bounds (/workflowexecution,
// /inventorytriggerjob) walked by the one paging policy: windows and slices
// that meet read each second once, and a restart after a rejected token reads
// the newest committed second again but not the one before it.
#include "jobsync/sync/page_walk.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace jobsync;

namespace {

// Two runs a second over [first, last], served as the real service does:
// inclusive bounds, oldest first, tokens as positions; rejects one token
// once when asked to.
class InclusiveRuns : public PageSource<WorkflowRunPage> {
public:
    InclusiveRuns(UnixSeconds first, UnixSeconds last)
    {
        for (UnixSeconds second = first; second <= last; ++second) {
            runs.push_back({"r" + std::to_string(second) + "a", second});
            runs.push_back({"r" + std::to_string(second) + "b", second});
        }
    }

    WorkflowRunPage fetch(const PagePosition& at) override
    {
        const std::optional<ListingQuery> query = inclusive_query("w1", 3, at);
        if (!query) {
            ++skipped;
            return {};
        }
        queries.push_back(*query);
        if (!reject_token.empty() && query->next_token == reject_token) {
            reject_token.clear();
            throw PartitionError("token expired", {400, "InvalidArgument", "", ""});
        }
        std::vector<std::size_t> matching;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const UnixSeconds second = runs[i].second;
            if ((!query->start_creation_time || second >= *query->start_creation_time) &&
                (!query->end_creation_time || second <= *query->end_creation_time)) {
                matching.push_back(i);
            }
        }
        const std::size_t from = query->next_token.empty() ? 0 : std::stoul(query->next_token);
        std::string body = "<Response><RequestId>x</RequestId>";
        for (std::size_t k = from; k < matching.size() && k < from + 3; ++k) {
            const auto& [id, second] = runs[matching[k]];
            body += "<WorkflowExecutionList><RunId>" + id +
                    "</RunId><WorkflowId>w1</WorkflowId>"
                    "<State>Success</State><CreateTime>" +
                    format_api_time(second) + "</CreateTime></WorkflowExecutionList>";
        }
        if (from + 3 < matching.size()) {
            body += "<NextToken>" + std::to_string(from + 3) + "</NextToken>";
        }
        return parse_workflow_run_page(body + "</Response>");
    }

    std::vector<std::pair<std::string, UnixSeconds>> runs;
    std::vector<ListingQuery> queries;
    std::string reject_token;
    int skipped = 0;
};

struct Reads : ListingSink<WorkflowRunPage> {
    void on_page(const WorkflowRunPage& page, bool) override
    {
        for (const WorkflowRunRecord& run : page.records) {
            ++times[std::string(run.run_id)];
        }
    }
    void on_restart(std::optional<UnixSeconds> start) override { restarts.push_back(start); }

    std::map<std::string, int> times;
    std::vector<std::optional<UnixSeconds>> restarts;
};

} // namespace

TEST_CASE("inclusive bounds: the exclusive window (S, E) is sent as [S + 1, E - 1]")
{
    const std::optional<ListingQuery> query = inclusive_query("w1", 50, {100, 200, "t", {}});
    REQUIRE(query);
    CHECK(query->workflow_id == "w1");
    CHECK(query->size == 50);
    CHECK(query->start_creation_time == UnixSeconds{101});
    CHECK(query->end_creation_time == UnixSeconds{199});
    CHECK(query->next_token == "t");
    const std::optional<ListingQuery> open = inclusive_query("", 10, {std::nullopt, 200, "", {}});
    REQUIRE(open);
    CHECK_FALSE(open->start_creation_time);
    // A window with no second between its bounds sends nothing.
    CHECK_FALSE(inclusive_query("", 10, {199, 200, "", {}}));
    CHECK(inclusive_query("", 10, {198, 200, "", {}}));
}

TEST_CASE("inclusive bounds: windows and slices that meet read each second once")
{
    InclusiveRuns service(1000, 1019);
    Reads reads;
    // A first window over [1000, 1009], then the next one a plan makes from
    // the cursor 1010 with no lookback (it starts at cursor - 1), which is
    // also how a slice ending at B is followed by the one starting at B - 1.
    REQUIRE(walk_listing<WorkflowRunPage>(service, "w", {999, 1010, "", {}}, nullptr, reads));
    REQUIRE(walk_listing<WorkflowRunPage>(service, "w", {1010 - 1, 1020, "", {}}, nullptr, reads));
    CHECK(reads.times.size() == service.runs.size());
    for (const auto& [id, times] : reads.times) {
        INFO(id);
        CHECK(times == 1);
    }
}

TEST_CASE("inclusive bounds: a restart after a rejected token rereads only the newest second")
{
    InclusiveRuns service(1000, 1009);
    service.reject_token = "6"; // the third page: runs of 1000..1002 are committed
    Reads reads;
    REQUIRE(walk_listing<WorkflowRunPage>(service, "w", {999, 1010, "", {}}, nullptr, reads));
    REQUIRE(reads.restarts.size() == 1);
    CHECK(reads.restarts[0] == UnixSeconds{1001}); // exclusive: newest committed - 1
    // The restarted request starts at the newest committed second itself.
    const ListingQuery& restarted = service.queries.at(3);
    CHECK(restarted.next_token.empty());
    CHECK(restarted.start_creation_time == UnixSeconds{1002});
    CHECK(reads.times.size() == service.runs.size()); // none skipped
    CHECK(reads.times.at("r1001a") == 1);             // the second before: not read again
    CHECK(reads.times.at("r1001b") == 1);
    CHECK(reads.times.at("r1002a") == 2); // the boundary second: read again, never skipped
    CHECK(reads.times.at("r1003a") == 1);
}
