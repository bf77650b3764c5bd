// The emulator's Dataset: selection by the API's filters and bounds,
// finishing jobs, and loading XML files byte for byte.
#include "emulator/dataset_loader.hpp"
#include "emulator/job_spec.hpp"
#include "jobsync/core/api_time.hpp"
#include "support/emulator_client.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace jobsync;
using namespace jobsync::emulator;
using namespace testing;

TEST_CASE("emulator: Dataset select filters, orders and uses strict bounds")
{
    Dataset dataset;
    const auto jobs = generate_jobs(small_options(500));
    for (const JobSpec& job : jobs) {
        dataset.add(job);
    }
    REQUIRE(dataset.size() == 500);

    JobQuery query;
    query.tag = "Transcode";
    query.ascending = true;
    const auto ascending = dataset.select(query);
    REQUIRE(ascending.size() > 50);
    for (std::size_t i = 1; i < ascending.size(); ++i) {
        const auto& a = ascending[i - 1];
        const auto& b = ascending[i];
        CHECK(a.tag == "Transcode");
        CHECK((a.creation_time < b.creation_time ||
               (a.creation_time == b.creation_time && a.job_id < b.job_id)));
    }
    query.ascending = false;
    auto descending = ids_of(dataset.select(query));
    std::reverse(descending.begin(), descending.end());
    CHECK(descending == ids_of(ascending));

    // Strict window: jobs exactly at either bound are excluded.
    query.start = ascending[10].creation_time;
    query.end = ascending[40].creation_time;
    for (const StoredJob& job : dataset.select(query)) {
        CHECK(job.creation_time > *query.start);
        CHECK(job.creation_time < *query.end);
    }
    const auto expected_in_window =
        std::count_if(ascending.begin(), ascending.end(), [&](const StoredJob& j) {
            return j.creation_time > *query.start && j.creation_time < *query.end;
        });
    CHECK(static_cast<long>(dataset.select(query).size()) == expected_in_window);

    JobQuery by_queue;
    by_queue.tag = "Snapshot";
    by_queue.queue_id = small_options().queues[1];
    by_queue.queue_type = "NoSuchType"; // queueId wins over queueType
    const auto in_queue = dataset.select(by_queue);
    REQUIRE_FALSE(in_queue.empty());
    for (const StoredJob& job : in_queue) {
        CHECK(job.queue_id == by_queue.queue_id);
        CHECK(job.tag == "Snapshot");
    }
    by_queue.queue_id.clear();
    CHECK(dataset.select(by_queue).empty());
    by_queue.queue_type = "Transcoding";
    CHECK(dataset.select(by_queue).size() > in_queue.size());

    JobQuery by_state;
    by_state.tag = "Transcode";
    by_state.states = {"Failed", "Running"};
    for (const StoredJob& job : dataset.select(by_state)) {
        CHECK((job.state == "Failed" || job.state == "Running"));
    }
    by_state.states = {"All"};
    CHECK(dataset.select(by_state).size() == ascending.size());

    JobQuery by_object;
    by_object.tag = ascending[3].tag;
    by_object.input_object = ascending[3].input_object;
    for (const StoredJob& job : dataset.select(by_object)) {
        CHECK(job.input_object == ascending[3].input_object);
    }
    CHECK_FALSE(dataset.select(by_object).empty());

    // select_page is a window of select, with `more` when jobs remain.
    const auto all = ids_of(dataset.select(by_state));
    const JobPage page = dataset.select_page(by_state, 5, 7);
    REQUIRE(page.xml.size() == 7);
    CHECK(page.more);
    CHECK(page.xml[0] == dataset.select(by_state)[5].xml);
    CHECK_FALSE(dataset.select_page(by_state, all.size() - 3, 3).more);
    JobQuery by_type;
    by_type.tag = "Transcode";
    by_type.queue_type = "Transcoding";
    CHECK(dataset.select_page(by_type, 3, 1000).xml.size() + 3 == dataset.select(by_type).size());
    CHECK(dataset.queue_ids() ==
          std::vector<std::string>{small_options().queues[0], small_options().queues[1]});
}

TEST_CASE("emulator: finish_unfinished completes Submitted and Running jobs")
{
    Dataset dataset;
    for (const JobSpec& job : generate_jobs(small_options(300))) {
        dataset.add(job);
    }
    JobQuery unfinished;
    unfinished.states = {"Submitted", "Running"};
    const auto before = dataset.select(unfinished);
    REQUIRE_FALSE(before.empty());
    const UnixSeconds end = 1800000000;
    CHECK(dataset.finish_unfinished(end) == before.size());
    CHECK(dataset.select(unfinished).empty());
    const auto job = dataset.find(before.front().job_id);
    REQUIRE(job.has_value());
    CHECK(job->state == "Success");
    CHECK(job->progress == 100);
    CHECK(job->end_time == end);
    CHECK_FALSE(job->format_fields.empty());
    CHECK_FALSE(job->output_files.empty());
    CHECK(dataset.finish_unfinished(end) == 0);
}

TEST_CASE("emulator: load_directory serves each job's exact bytes")
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("emulator-load-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string first =
        "<JobsDetail>\n  <Code>Success</Code><Message/>\n  <JobId>ja1</JobId><Tag>Transcode</Tag>"
        "<State>Success</State><CreationTime>2022-06-27T15:23:12+0800</CreationTime>"
        "<QueueId>p1</QueueId><Input><Object>in &amp; out.mp4</Object></Input>"
        "<!-- </JobsDetail> --></JobsDetail>";
    const std::string second = "<JobsDetail><JobId>ja2</JobId><Tag>Snapshot</Tag>"
                               "<CreationTime>2022-06-27T15:23:13+0800</CreationTime>"
                               "<Workflow><WorkflowId>w1</WorkflowId></Workflow></JobsDetail>";
    {
        std::ofstream(dir / "a.xml") << "<?xml version=\"1.0\"?>\n<Response>\n"
                                     << first << "\n"
                                     << second << "\n<NextToken>1</NextToken></Response>\n";
        std::ofstream(dir / "b.xml") << "<JobsDetail><JobId>jb1</JobId><Tag>Transcode</Tag>"
                                        "<CreationTime>2022-06-27T15:23:14+0800</CreationTime>"
                                        "</JobsDetail>";
        std::ofstream(dir / "ignored.txt") << "not xml";
    }
    Dataset dataset;
    load_directory(dataset, dir.string());
    CHECK(dataset.size() == 3);
    JobQuery query;
    query.ascending = true;
    const auto jobs = dataset.select(query);
    REQUIRE(jobs.size() == 3);
    CHECK(jobs[0].xml == first);
    CHECK(jobs[0].input_object == "in & out.mp4");
    CHECK(jobs[0].queue_id == "p1");
    CHECK(jobs[1].xml == second);
    CHECK(jobs[1].workflow_id == "w1");
    CHECK_FALSE(jobs[1].spec.has_value());

    std::ofstream(dir / "c.xml") << "<Response><JobsDetail><JobId>x</JobId></Response>";
    Dataset broken;
    CHECK_THROWS_WITH(load_directory(broken, dir.string()), Catch::Contains("c.xml"));
    std::ofstream(dir / "c.xml")
        << "<Response><JobsDetail><JobId>x</JobId></JobsDetail></Response>";
    CHECK_THROWS_WITH(load_directory(broken, dir.string()), Catch::Contains("c.xml"));
    CHECK(broken.size() == 0);
    std::filesystem::remove_all(dir);
}
