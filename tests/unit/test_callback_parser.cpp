// TaskFinish/WorkflowFinish callbacks in XML and JSON, reduced to job ids
// (listen/callback_parser.cpp).
#include "jobsync/listen/callback_parser.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;

namespace {

const std::string kTaskFinishXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <EventName>TaskFinish</EventName>
  <JobsDetail>
    <Code>Success</Code>
    <JobId>j8d9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c</JobId>
    <State>Success</State>
    <Tag>Transcode</Tag>
    <Input><BucketId>examplebucket-1250000000</BucketId><Object>in.mp4</Object>
      <CosHeaders><Key>x</Key><Value>y</Value></CosHeaders></Input>
    <Workflow><RunId>r1</RunId></Workflow>
  </JobsDetail>
</Response>)";

std::string error_of(const std::string& body)
{
    try {
        parse_callback(body);
    } catch (const CallbackError& e) {
        return e.what();
    }
    FAIL("no CallbackError for: " << body);
    return "";
}

} // namespace

TEST_CASE("callback parser: TaskFinish in XML")
{
    const CallbackHint hint = parse_callback(kTaskFinishXml);
    CHECK(hint.event_name == "TaskFinish");
    CHECK(hint.via == CallbackVia::xml);
    REQUIRE(hint.jobs.size() == 1);
    CHECK(hint.jobs[0].job_id == "j8d9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c");
    CHECK(hint.jobs[0].bucket == "examplebucket-1250000000");
    CHECK(via_name(hint.via) == "xml");
}

TEST_CASE("callback parser: TaskFinish in JSON, JobsDetail an object or an array")
{
    CallbackHint hint = parse_callback(
        R"({"EventName":"TaskFinish","JobsDetail":{"JobId":"ja1","State":"Success",
            "Input":{"BucketId":"b-1250000000"}}})");
    CHECK(hint.via == CallbackVia::json);
    REQUIRE(hint.jobs.size() == 1);
    CHECK(hint.jobs[0].job_id == "ja1");
    CHECK(hint.jobs[0].bucket == "b-1250000000");

    hint = parse_callback(
        R"( {"EventName":"TaskFinish","JobsDetail":[{"JobId":"ja1"},{"JobId":"ja2"}]})");
    REQUIRE(hint.jobs.size() == 2);
    CHECK(hint.jobs[1].job_id == "ja2");
    CHECK(hint.jobs[1].bucket.empty());
}

TEST_CASE("callback parser: WorkflowFinish names its tasks' job ids")
{
    CallbackHint hint = parse_callback(R"(<Response><EventName>WorkflowFinish</EventName>
      <WorkflowExecution><RunId>r1</RunId><Tasks><Task><JobId>jt1</JobId><Type>Transcode</Type>
      </Task><Task><JobId>jt2</JobId></Task></Tasks></WorkflowExecution></Response>)");
    CHECK(hint.via == CallbackVia::workflow);
    REQUIRE(hint.jobs.size() == 2);
    CHECK(hint.jobs[0].job_id == "jt1");
    CHECK(hint.jobs[1].job_id == "jt2");

    hint = parse_callback(R"({"EventName":"WorkflowFinish","WorkflowExecution":
        {"RunId":"r1","Tasks":{"Task":[{"JobId":"jt1"},{"JobId":"jt3"}]}}})");
    CHECK(hint.via == CallbackVia::workflow);
    REQUIRE(hint.jobs.size() == 2);
    CHECK(hint.jobs[1].job_id == "jt3");
}

TEST_CASE("callback parser: WorkflowFinish names its run, with or without task jobs")
{
    CallbackHint hint = parse_callback(R"(<Response><EventName>WorkflowFinish</EventName>
      <WorkflowExecution><RunId>i5a8b</RunId><BucketId>examplebucket-1250000000</BucketId>
      <CreateTime>2021-09-14 15:00:26+0800</CreateTime><Tasks><Task><JobId>jt1</JobId></Task>
      <Task><Type>Snapshot</Type><State>Failed</State></Task></Tasks></WorkflowExecution>
      </Response>)");
    REQUIRE(hint.run);
    CHECK(hint.run->run_id == "i5a8b");
    CHECK(hint.run->bucket == "examplebucket-1250000000");
    // A task that failed before it started a job names none: skipped, the run is fetched.
    REQUIRE(hint.jobs.size() == 1);
    CHECK(hint.jobs[0].bucket == "examplebucket-1250000000");

    hint = parse_callback(R"({"EventName":"WorkflowFinish","WorkflowExecution":
        {"RunId":"i77","State":"Failed","Tasks":{"Task":{"State":"Failed"}}}})");
    REQUIRE(hint.run);
    CHECK(hint.run->run_id == "i77");
    CHECK(hint.run->bucket.empty());
    CHECK(hint.jobs.empty());

    // TaskFinish has no run; a WorkflowFinish without RunId still names its jobs.
    CHECK_FALSE(parse_callback(kTaskFinishXml).run);
    hint = parse_callback(R"(<Response><EventName>WorkflowFinish</EventName><WorkflowExecution>
      <Tasks><Task><JobId>jt1</JobId></Task></Tasks></WorkflowExecution></Response>)");
    CHECK_FALSE(hint.run);
    CHECK(hint.jobs.size() == 1);

    CHECK_THAT(error_of(R"(<Response><EventName>WorkflowFinish</EventName><WorkflowExecution>
      <RunId>i1/../x</RunId></WorkflowExecution></Response>)"),
               Catch::Contains("WorkflowExecution: RunId 'i1?..?x' is not letters"));
    CHECK_THAT(error_of(R"({"EventName":"WorkflowFinish","WorkflowExecution":{"RunId":7}})"),
               Catch::Contains("RunId is not a string"));
    CHECK_THAT(error_of(R"({"EventName":"WorkflowFinish","WorkflowExecution":{"State":"x"}})"),
               Catch::Contains("names no RunId and no task JobId"));
}

TEST_CASE("callback parser: what is not a notification is refused, saying why")
{
    CHECK_THAT(error_of(""), Catch::Contains("empty"));
    CHECK_THAT(error_of("JobId=j1"), Catch::Contains("neither XML nor JSON"));
    CHECK_THAT(error_of("<Response><EventName>TaskFinish</EventName><JobsDetail>"),
               Catch::Contains("malformed XML"));
    CHECK_THAT(error_of("{\"EventName\":"), Catch::Contains("malformed JSON"));
    CHECK_THAT(error_of("<Error><Code>x</Code></Error>"), Catch::Contains("<Response>"));
    CHECK_THAT(error_of("<Response><EventName>Other</EventName></Response>"),
               Catch::Contains("'Other' is not TaskFinish or WorkflowFinish"));
    CHECK_THAT(error_of("<Response><JobsDetail><JobId>j1</JobId></JobsDetail></Response>"),
               Catch::Contains("EventName is missing"));
    CHECK_THAT(error_of("<Response><EventName>TaskFinish</EventName></Response>"),
               Catch::Contains("names no JobId"));
    CHECK_THAT(error_of("<Response><EventName>TaskFinish</EventName><JobsDetail><State>Success"
                        "</State></JobsDetail></Response>"),
               Catch::Contains("JobsDetail[0]: JobId is missing"));
    CHECK_THAT(error_of("<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>j1,j2"
                        "</JobId></JobsDetail></Response>"),
               Catch::Contains("JobId 'j1?j2' is not letters"));
    CHECK_THAT(error_of(R"({"EventName":"TaskFinish","JobsDetail":{"JobId":7}})"),
               Catch::Contains("JobsDetail[0]: JobId is not a string"));
    CHECK_THAT(error_of(R"({"EventName":"TaskFinish","JobsDetail":"j1"})"),
               Catch::Contains("JobsDetail is not an object"));
    CHECK_THAT(
        error_of(
            R"({"EventName":"TaskFinish","JobsDetail":{"JobId":"j1","Input":{"BucketId":"../x"}}})"),
        Catch::Contains("is not a bucket name"));
    CHECK_THAT(error_of("[1,2]"), Catch::Contains("neither XML nor JSON"));
}

TEST_CASE("callback parser: at most kMaxIdsPerCallback ids")
{
    std::string body = R"({"EventName":"TaskFinish","JobsDetail":[)";
    for (std::size_t i = 0; i <= kMaxIdsPerCallback; ++i) {
        body += (i == 0 ? "" : ",") + std::string(R"({"JobId":"j)") + std::to_string(i) + "\"}";
    }
    body += "]}";
    CHECK_THAT(error_of(body), Catch::Contains("more than 1000 job ids"));
}

// Found by tests/fuzz/fuzz_callback (corpus/callback/crash-number-overflow.json):
// nlohmann throws out_of_range, not parse_error, for a number past a double.
TEST_CASE("callback parser: a JSON number too large for a double is a CallbackError")
{
    CHECK_THAT(error_of(R"({"EventNam":44e44444,"x":1})"), Catch::Contains("malformed JSON"));
    CHECK_THAT(error_of(R"({"EventName":"TaskFinish","JobsDetail":{"JobId":1e999}})"),
               Catch::Contains("malformed JSON"));
}

// Found by tests/fuzz/fuzz_callback (corpus/callback/crash-nesting-depth.xml):
// the XML limits' error escaped as a PartitionError, not a 400.
TEST_CASE("callback parser: XML nested deeper than the limits is a CallbackError")
{
    std::string deep = "<Response><EventName>TaskFinish</EventName>";
    for (int i = 0; i < 300; ++i) {
        deep += "<a>";
    }
    CHECK_THAT(error_of(deep), Catch::Contains("XML response too deep"));
}
