#include "jobsync/api/queue_lister.hpp"
#include "jobsync/api/queue_page.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/sync/partition.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace jobsync;

namespace {

// Answers from a table per bucket; a bucket without an entry fails.
class FakeLister : public QueueLister {
public:
    std::map<std::string, std::vector<std::string>> queues;
    std::vector<std::string> list_queues(const SourceConfig& source) override
    {
        const auto found = queues.find(source.bucket);
        if (found == queues.end()) {
            throw PartitionError("HTTP 403 AccessDenied");
        }
        return found->second;
    }
    std::map<std::string, std::vector<std::string>> workflows;
    std::vector<std::string> list_workflows(const SourceConfig& source) override
    {
        const auto found = workflows.find(source.bucket);
        if (found == workflows.end()) {
            throw PartitionError("HTTP 403 AccessDenied");
        }
        return found->second;
    }
};

SourceConfig source(std::string bucket, std::vector<std::string> tags)
{
    SourceConfig s;
    s.bucket = std::move(bucket);
    s.tags = std::move(tags);
    return s;
}

std::vector<std::string> labels(const std::vector<Partition>& partitions)
{
    std::vector<std::string> out;
    for (const Partition& p : partitions) {
        out.push_back(p.label());
    }
    return out;
}

} // namespace

TEST_CASE("partitions: discovered queues give one partition per tag and queue")
{
    Config config;
    config.sources.push_back(source("a-1", {"Transcode", "Snapshot"}));
    config.sources[0].discover_queues = true;
    config.sources.push_back(source("b-1", {"Tts"}));
    config.sources[1].queues = {"q9"};
    FakeLister lister;
    lister.queues["a-1"] = {"q1", "q2"};
    std::vector<std::string> errors;
    CHECK(labels(expand_partitions(config, lister, errors)) ==
          std::vector<std::string>{"a-1/Transcode/q1", "a-1/Transcode/q2", "a-1/Snapshot/q1",
                                   "a-1/Snapshot/q2", "b-1/Tts/q9"});
    CHECK(errors.empty());
    // Without a lister, discovering sources have no partitions yet.
    CHECK(labels(expand_partitions(config)) == std::vector<std::string>{"b-1/Tts/q9"});
}

TEST_CASE("partitions: a failed discovery drops only its own source")
{
    Config config;
    config.sources.push_back(source("bad-1", {"Transcode"}));
    config.sources[0].discover_queues = true;
    config.sources.push_back(source("good-1", {"Transcode"}));
    config.sources[1].discover_queues = true;
    FakeLister lister;
    lister.queues["good-1"] = {"q1"};
    std::vector<std::string> errors;
    CHECK(labels(expand_partitions(config, lister, errors)) ==
          std::vector<std::string>{"good-1/Transcode/q1"});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("bad-1") == 0);
    CHECK(errors[0].find("AccessDenied") != std::string::npos);
}

TEST_CASE("partitions: workflow runs and batch jobs follow a source's job partitions")
{
    Config config;
    config.sources.push_back(source("a-1", {"Transcode"}));
    config.sources[0].workflow_ids = {"w2", "w1"};
    config.sources[0].batch_jobs = true;
    config.sources.push_back(source("b-1", {"Tts"}));
    config.sources[1].discover_workflows = true;
    config.sources.push_back(source("c-1", {"Tts"}));
    config.sources[2].discover_workflows = true;
    FakeLister lister;
    lister.workflows["b-1"] = {"wb"};
    std::vector<std::string> errors;
    const std::vector<Partition> partitions = expand_partitions(config, lister, errors);
    CHECK(labels(partitions) == std::vector<std::string>{"a-1/Transcode/*", "a-1/workflow_runs/w2",
                                                         "a-1/workflow_runs/w1", "a-1/batch_jobs/*",
                                                         "b-1/Tts/*", "b-1/workflow_runs/wb",
                                                         "c-1/Tts/*"});
    CHECK(partitions[1].kind == PartitionKind::workflow_runs);
    CHECK(partitions[1].queue_id == "w2");
    CHECK(partitions[3].kind == PartitionKind::batch_jobs);
    CHECK(partitions[4].kind == PartitionKind::jobs);
    // c-1's discovery failed: its runs are left out, its jobs still walk.
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("c-1: workflow discovery failed") == 0);
    CHECK(kind_of_tag("workflow_runs") == PartitionKind::workflow_runs);
    CHECK(kind_of_tag("batch_jobs") == PartitionKind::batch_jobs);
    CHECK(kind_of_tag("Transcode") == PartitionKind::jobs);
    // No job tag is spelled like a reserved one.
    for (const std::string& tag : all_api_tags()) {
        CHECK(kind_of_tag(tag) == PartitionKind::jobs);
    }
    // Without a lister, listed workflows only.
    CHECK(labels(expand_partitions(config)) ==
          std::vector<std::string>{"a-1/Transcode/*", "a-1/workflow_runs/w2",
                                   "a-1/workflow_runs/w1", "a-1/batch_jobs/*", "b-1/Tts/*",
                                   "c-1/Tts/*"});
}

TEST_CASE("queue page: TotalCount, paging fields and queue ids")
{
    const QueuePage page = parse_queue_page(
        "<Response><RequestId>r</RequestId><TotalCount>12</TotalCount><PageNumber>2</PageNumber>"
        "<PageSize>10</PageSize><QueueList><QueueId>p1</QueueId><Name>a</Name></QueueList>"
        "<QueueList><QueueId>p2</QueueId><NotifyConfig><Url/></NotifyConfig></QueueList>"
        "<NonExistPIDs>p3</NonExistPIDs></Response>");
    CHECK(page.total_count == 12);
    CHECK(page.page_number == 2);
    CHECK(page.page_size == 10);
    CHECK(page.queue_ids == std::vector<std::string>{"p1", "p2"});
    CHECK_THROWS_AS(parse_queue_page("<Error><Code>x</Code></Error>"), PartitionError);
    CHECK_THROWS_AS(parse_queue_page("<Response><TotalCount>1</TotalCount>"), RetryableError);
    CHECK_THROWS_AS(parse_queue_page("<Response><TotalCount>x</TotalCount></Response>"),
                    PartitionError);
}
