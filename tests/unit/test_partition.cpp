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
